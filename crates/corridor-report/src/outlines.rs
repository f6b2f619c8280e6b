//! Coastlines and land borders (Natural Earth 1:50m, via the npm package
//! world-atlas) embedded in the binary, and their clipping to a map's box.
//!
//! The outlines come from `assets/outlines.txt`, written once by
//! `assets/build-outlines.mjs` and committed with its licence note
//! (`assets/LICENSE-outlines.md`); nothing is fetched at run time. Format: `#`
//! lines are comments; `q N` gives the units per degree; every other line is a
//! polyline: its kind (`c` coastline, `b` land border), the longitude and
//! latitude of the first point, then (dlon, dlat) deltas, all whole numbers of
//! 1/N degree. Invariants: parsing never panics (a malformed line is an error
//! naming it), and clipping keeps only the parts inside the rectangle, split
//! where a line leaves it, so the SVG holds nothing that cannot be seen.

use std::fmt::Write as _;

/// The embedded outlines file.
const DATA: &str = include_str!("../assets/outlines.txt");

/// What an outline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutlineKind {
    Coast,
    Border,
}

/// One polyline in degrees, with its bounding box.
#[derive(Debug, Clone)]
pub struct Outline {
    pub kind: OutlineKind,
    /// (longitude, latitude) pairs.
    pub points: Vec<(f64, f64)>,
    /// (lon0, lat0, lon1, lat1).
    pub bbox: (f64, f64, f64, f64),
}

/// Parses an outlines file; the error names the line and what is wrong.
pub fn parse(text: &str) -> Result<Vec<Outline>, String> {
    let mut q: Option<f64> = None;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_ascii_whitespace();
        let tag = it.next().unwrap_or("");
        let ints: Result<Vec<i64>, _> = it.map(str::parse::<i64>).collect();
        let ints = ints.map_err(|e| format!("outlines line {}: {e}", n + 1))?;
        let kind = match tag {
            "q" => {
                match ints.as_slice() {
                    [v] if *v > 0 => q = Some(*v as f64),
                    _ => return Err(format!("outlines line {}: expected `q N`, N > 0", n + 1)),
                }
                continue;
            }
            "c" => OutlineKind::Coast,
            "b" => OutlineKind::Border,
            t => return Err(format!("outlines line {}: unknown kind {t:?}", n + 1)),
        };
        let Some(q) = q else {
            return Err(format!("outlines line {}: polyline before `q N`", n + 1));
        };
        if ints.len() < 4 || ints.len() % 2 != 0 {
            return Err(format!(
                "outlines line {}: expected an even number (≥ 4) of coordinates",
                n + 1
            ));
        }
        let (mut x, mut y) = (0i64, 0i64);
        let mut points = Vec::with_capacity(ints.len() / 2);
        let mut bbox = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for c in ints.chunks_exact(2) {
            x += c[0];
            y += c[1];
            let p = (x as f64 / q, y as f64 / q);
            bbox = (
                bbox.0.min(p.0),
                bbox.1.min(p.1),
                bbox.2.max(p.0),
                bbox.3.max(p.1),
            );
            points.push(p);
        }
        out.push(Outline { kind, points, bbox });
    }
    Ok(out)
}

/// The embedded world outlines (empty if the asset were ever malformed; a unit
/// test guarantees it is not).
pub fn world() -> Vec<Outline> {
    parse(DATA).unwrap_or_default()
}

/// A rectangle (x0, y0, x1, y1) with x0 ≤ x1 and y0 ≤ y1.
pub type Rect = (f64, f64, f64, f64);

/// Clips the segment p–q to `r` (Liang–Barsky): the parameters (t0, t1) of the
/// visible part, or `None`.
fn clip_segment(p: (f64, f64), q: (f64, f64), r: Rect) -> Option<(f64, f64)> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (den, num) in [
        (-dx, p.0 - r.0),
        (dx, r.2 - p.0),
        (-dy, p.1 - r.1),
        (dy, r.3 - p.1),
    ] {
        if den == 0.0 {
            if num < 0.0 {
                return None;
            }
        } else {
            let t = num / den;
            if den < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    (t0 <= t1).then_some((t0, t1))
}

/// The parts of a polyline inside `r`, each a polyline of two points or more.
pub fn clip(points: &[(f64, f64)], r: Rect) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let at = |p: (f64, f64), q: (f64, f64), t: f64| (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t);
    for w in points.windows(2) {
        let (p, q) = (w[0], w[1]);
        match clip_segment(p, q, r) {
            None => {
                if cur.len() >= 2 {
                    pieces.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
            Some((t0, t1)) => {
                if t0 > 0.0 || cur.is_empty() {
                    // Entering (or starting): a new piece.
                    if cur.len() >= 2 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(at(p, q, t0));
                }
                cur.push(at(p, q, t1));
                if t1 < 1.0 {
                    // Leaving.
                    if cur.len() >= 2 {
                        pieces.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
        }
    }
    if cur.len() >= 2 {
        pieces.push(cur);
    }
    pieces
}

/// SVG paths of the outlines inside the pixel rectangle `view`: `project` maps
/// (lon, lat) to pixels and `lonlat` is the (generous) box of degrees that the
/// view covers, used to skip outlines quickly. Coastlines first, then borders,
/// one `<path>` each; empty when nothing is in view.
pub fn svg_paths(
    outlines: &[Outline],
    project: impl Fn(f64, f64) -> (f64, f64),
    lonlat: Rect,
    view: Rect,
) -> String {
    let mut coast = String::new();
    let mut border = String::new();
    for o in outlines {
        let b = o.bbox;
        if b.2 < lonlat.0 || b.0 > lonlat.2 || b.3 < lonlat.1 || b.1 > lonlat.3 {
            continue;
        }
        let px: Vec<(f64, f64)> = o.points.iter().map(|&(x, y)| project(x, y)).collect();
        let d = match o.kind {
            OutlineKind::Coast => &mut coast,
            OutlineKind::Border => &mut border,
        };
        for piece in clip(&px, view) {
            let mut last = (f64::NAN, f64::NAN);
            for (i, &(x, y)) in piece.iter().enumerate() {
                let p = ((x * 10.0).round() / 10.0, (y * 10.0).round() / 10.0);
                if i > 0 && p == last {
                    continue;
                }
                let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { 'M' } else { 'L' }, p.0, p.1);
                last = p;
            }
        }
    }
    let mut s = String::new();
    if !coast.is_empty() || !border.is_empty() {
        s.push_str("<g class=\"outlines\">");
        if !coast.is_empty() {
            let _ = write!(s, "<path class=\"coast\" d=\"{coast}\"/>");
        }
        if !border.is_empty() {
            let _ = write!(s, "<path class=\"border\" d=\"{border}\"/>");
        }
        s.push_str("</g>");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_outlines_parse_and_cover_the_corridor() {
        let w = parse(DATA).expect("assets/outlines.txt parses");
        assert!(w.len() > 1000, "{} polylines", w.len());
        assert!(w.iter().any(|o| o.kind == OutlineKind::Coast));
        // The US–Mexico land border passes near Ciudad Juárez (31.7 N, 106.4 W).
        let near = |o: &Outline| {
            o.kind == OutlineKind::Border
                && o.points
                    .iter()
                    .any(|&(x, y)| (x + 106.4).abs() < 0.3 && (y - 31.75).abs() < 0.3)
        };
        assert!(w.iter().any(near));
        // Everything is a valid longitude/latitude.
        assert!(w.iter().all(|o| o.bbox.0 >= -180.0
            && o.bbox.2 <= 180.0
            && o.bbox.1 >= -90.0
            && o.bbox.3 <= 90.0));
    }

    #[test]
    fn parsing_decodes_deltas_and_names_bad_lines() {
        let w = parse("# x\nq 10\nc 10 20 5 -5 1 1\nb -10 0 10 0\n").unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].points, vec![(1.0, 2.0), (1.5, 1.5), (1.6, 1.6)]);
        assert_eq!(w[0].bbox, (1.0, 1.5, 1.6, 2.0));
        assert_eq!(w[1].kind, OutlineKind::Border);
        assert_eq!(w[1].points, vec![(-1.0, 0.0), (0.0, 0.0)]);
        let e = parse("q 10\nc 1 2 3\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert!(parse("c 1 2 3 4\n").unwrap_err().contains("before `q N`"));
        assert!(parse("q 10\nx 1 2 3 4\n")
            .unwrap_err()
            .contains("unknown kind"));
        assert!(parse("q 10\nc 1 2 a 4\n").unwrap_err().contains("line 2"));
    }

    #[test]
    fn clipping_keeps_the_inside_and_splits_at_exits() {
        let r = (0.0, 0.0, 10.0, 10.0);
        // Inside: unchanged.
        let inside = vec![(1.0, 1.0), (5.0, 5.0), (9.0, 2.0)];
        assert_eq!(clip(&inside, r), vec![inside.clone()]);
        // Crossing out and back in: two pieces cut at the edge.
        let p = vec![(5.0, 5.0), (15.0, 5.0), (15.0, 8.0), (5.0, 8.0)];
        assert_eq!(
            clip(&p, r),
            vec![vec![(5.0, 5.0), (10.0, 5.0)], vec![(10.0, 8.0), (5.0, 8.0)]]
        );
        // Passing through without a vertex inside.
        assert_eq!(
            clip(&[(-5.0, 5.0), (15.0, 5.0)], r),
            vec![vec![(0.0, 5.0), (10.0, 5.0)]]
        );
        // Entirely outside, and a diagonal that misses the corner.
        assert!(clip(&[(-5.0, -5.0), (-1.0, 20.0)], r).is_empty());
        assert!(clip(&[(8.0, -5.0), (15.0, 2.0)], r).is_empty());
        // Every clipped point lies in the rectangle.
        let zig: Vec<(f64, f64)> = (0..50)
            .map(|i| (i as f64 * 0.7 - 5.0, if i % 2 == 0 { -3.0 } else { 13.0 }))
            .collect();
        for piece in clip(&zig, r) {
            for (x, y) in piece {
                assert!((0.0..=10.0).contains(&x) && (0.0..=10.0).contains(&y));
            }
        }
    }

    #[test]
    fn svg_paths_project_and_skip_what_is_out_of_view() {
        let w = parse("q 1\nc 0 0 10 0\nb 0 5 10 0\nc 100 100 1 1\n").unwrap();
        // Pixels = degrees × 10, y down.
        let s = svg_paths(
            &w,
            |x, y| (x * 10.0, 100.0 - y * 10.0),
            (-1.0, -1.0, 6.0, 11.0),
            (0.0, 0.0, 50.0, 100.0),
        );
        assert_eq!(
            s,
            "<g class=\"outlines\"><path class=\"coast\" d=\"M0.0 100.0L50.0 100.0\"/><path class=\"border\" d=\"M0.0 50.0L50.0 50.0\"/></g>"
        );
        assert_eq!(
            svg_paths(
                &w,
                |x, y| (x, y),
                (200.0, 0.0, 210.0, 1.0),
                (0.0, 0.0, 1.0, 1.0)
            ),
            ""
        );
    }
}
