//! The network drawn from latitude/longitude as an inline SVG.
//!
//! Equirectangular projection (longitude scaled by the cosine of the mid
//! latitude) fitted to the bounding box. Node area is proportional to the people
//! at the location, plus the queue for a port of entry (the median of the runs
//! for an ensemble); colour is the
//! location kind; ports of entry are diamonds. The SVG as written shows the last
//! day, so the page prints and reads without JS; the embedded frames let the
//! slider script resize nodes for other days. Nodes are drawn largest first so
//! small ones stay visible; the frame arrays use the same order as the `g.node`
//! elements, which is what the script relies on.

use corridor_model::Date;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::json;

use crate::chart::{kind_color, kind_label, legend, LegendItem, Mark};
use crate::html::{esc, json_for_script, num};
use crate::load::{Network, Pt, RunData, POPULATION, P_QUEUE};

/// Largest node radius in px (at the largest population on any day).
const R_MAX: f64 = 22.0;
/// Smallest radius of an occupied node.
const R_MIN: f64 = 2.5;
/// Radius of an empty node.
const R_ZERO: f64 = 2.0;
/// Most days the slider offers (evenly spread, last day included).
const MAX_FRAMES: usize = 200;
/// Cap on numbers embedded for the slider, to keep the page small.
const MAX_VALUES: usize = 60_000;
const W: f64 = 900.0;
const H_MAX: f64 = 560.0;
const PAD: f64 = 36.0;

/// The map's HTML and the JSON for its slider (`None` when there are no days
/// to slide over: the map is then static).
pub struct MapOut {
    pub html: String,
    pub data: Option<String>,
}

fn value_on(series: &[Pt], day: i64) -> f64 {
    match series.binary_search_by_key(&day, |p| p.day) {
        Ok(i) => series[i].mid,
        Err(_) => 0.0,
    }
}

/// `pop` plus `queue` day by day (either may be empty).
fn with_queue(pop: &[Pt], queue: &[Pt]) -> Vec<Pt> {
    if pop.is_empty() {
        return queue.to_vec();
    }
    pop.iter()
        .map(|p| {
            let q = value_on(queue, p.day);
            Pt {
                mid: p.mid + q,
                ..*p
            }
        })
        .collect()
}

fn radius(v: f64, vmax: f64) -> f64 {
    if v > 0.0 && vmax > 0.0 {
        (R_MAX * (v / vmax).sqrt()).max(R_MIN)
    } else {
        R_ZERO
    }
}

/// A value rounded down to 1, 2 or 5 × 10^k (for size-legend circles).
fn round_nice_down(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 0.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    let n = v / mag;
    let m = if n >= 5.0 {
        5.0
    } else if n >= 2.0 {
        2.0
    } else {
        1.0
    };
    m * mag
}

/// Draws the network; `None` when no node has coordinates.
pub fn network_map(net: &Network, run: &RunData) -> Option<MapOut> {
    if net.nodes.is_empty() {
        return None;
    }
    let ports: HashSet<String> = net.port_names().into_iter().collect();
    // People at a port are mostly in its queue: a port's size counts both.
    let owned: Vec<Vec<Pt>> = net
        .nodes
        .iter()
        .map(|n| {
            let pop = run
                .place(&n.name)
                .map(|p| p.vars[POPULATION].as_slice())
                .unwrap_or(&[]);
            match run.ports.iter().find(|p| p.name == n.name) {
                Some(port) => with_queue(pop, &port.vars[P_QUEUE]),
                None => pop.to_vec(),
            }
        })
        .collect();
    let series: Vec<&[Pt]> = owned.iter().map(Vec::as_slice).collect();
    // The days of the longest population series are the slider's days.
    let days: Vec<i64> = run
        .places
        .iter()
        .map(|p| &p.vars[POPULATION])
        .max_by_key(|s| s.len())
        .map(|s| s.iter().map(|p| p.day).collect())
        .unwrap_or_default();
    let max_frames = (MAX_VALUES / net.nodes.len().max(1)).clamp(2, MAX_FRAMES);
    let frame_days: Vec<i64> = crate::chart::thin(days.len(), max_frames)
        .into_iter()
        .map(|i| days[i])
        .collect();
    let peak: Vec<f64> = series
        .iter()
        .map(|s| s.iter().map(|p| p.mid).fold(0.0, f64::max))
        .collect();
    let vmax = peak.iter().copied().fold(0.0, f64::max);
    let mut order: Vec<usize> = (0..net.nodes.len()).collect();
    order.sort_by(|&a, &b| peak[b].total_cmp(&peak[a]).then(a.cmp(&b)));
    let last_day = frame_days.last().copied();
    let last: Vec<f64> = series
        .iter()
        .map(|s| last_day.map(|d| value_on(s, d)).unwrap_or(0.0))
        .collect();

    // Projection.
    let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for n in &net.nodes {
        lat0 = lat0.min(n.lat);
        lat1 = lat1.max(n.lat);
        lon0 = lon0.min(n.lon);
        lon1 = lon1.max(n.lon);
    }
    let kx = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.05);
    let wdeg = ((lon1 - lon0) * kx).max(1e-6);
    let hdeg = (lat1 - lat0).max(1e-6);
    let k = ((W - 2.0 * PAD) / wdeg).min((H_MAX - 2.0 * PAD) / hdeg);
    let k = if (lon1 - lon0) < 1e-9 && (lat1 - lat0) < 1e-9 {
        1.0
    } else {
        k
    };
    let h = (hdeg * k + 2.0 * PAD).clamp(240.0, H_MAX);
    let ox = (W - wdeg * k) / 2.0;
    let oy = (h - hdeg * k) / 2.0;
    let pos: Vec<(f64, f64)> = net
        .nodes
        .iter()
        .map(|n| (ox + (n.lon - lon0) * kx * k, oy + (lat1 - n.lat) * k))
        .collect();
    let index = |name: &str| net.nodes.iter().position(|n| n.name == name);

    let date_of = |d: i64| match run.day0 {
        Some(d0) => Date(d0 + d).to_string(),
        None => format!("day {d}"),
    };
    let last_label = last_day.map(date_of).unwrap_or_default();

    let mut s = format!(
        "<svg id=\"map-svg\" class=\"map\" viewBox=\"0 0 {W:.0} {h:.0}\" role=\"img\" aria-label=\"Network map\"><rect class=\"map-bg\" x=\"0.5\" y=\"0.5\" width=\"{:.0}\" height=\"{:.0}\" rx=\"6\"/>",
        W - 1.0,
        h - 1.0
    );
    s.push_str("<g class=\"links\">");
    for l in &net.links {
        let (Some(a), Some(b)) = (index(&l.from), index(&l.to)) else {
            continue;
        };
        let dist = l
            .distance_km
            .map(|d| format!(": {} km", num(d, 1)))
            .unwrap_or_default();
        let _ = write!(
            s,
            "<line class=\"link\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"><title>{} – {}{dist}</title></line>",
            pos[a].0,
            pos[a].1,
            pos[b].0,
            pos[b].1,
            esc(&l.from),
            esc(&l.to)
        );
    }
    s.push_str("</g><g class=\"nodes\">");
    for &i in &order {
        let n = &net.nodes[i];
        let (x, y) = pos[i];
        let is_port = n.kind == "port" || ports.contains(&n.name);
        let kind = if is_port { "port" } else { n.kind.as_str() };
        let color = kind_color(kind);
        let r = radius(last[i], vmax);
        let class = if last[i] > 0.0 { "mark" } else { "mark empty" };
        let mut where_ = kind_label(kind);
        for extra in [&n.region, &n.country] {
            if !extra.is_empty() && extra != &n.name {
                where_.push_str(", ");
                where_.push_str(extra);
            }
        }
        let label = format!("{} ({where_})", n.name);
        let _ = write!(
            s,
            "<g class=\"node\" data-x=\"{x:.1}\" data-y=\"{y:.1}\" data-label=\"{}\">",
            esc(&label)
        );
        if is_port {
            let q = r * 0.9;
            let _ = write!(
                s,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" transform=\"rotate(45 {x:.1} {y:.1})\" fill=\"{color}\" stroke=\"{color}\"/>",
                x - q,
                y - q,
                2.0 * q,
                2.0 * q
            );
        } else {
            let _ = write!(
                s,
                "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{color}\" stroke=\"{color}\"/>"
            );
        }
        let _ = write!(
            s,
            "<title>{}: {} people on {}</title></g>",
            esc(&label),
            num(last[i], 0),
            esc(&last_label)
        );
    }
    s.push_str("</g>");
    s.push_str(&labels(net, &pos, &order, &peak, vmax, &ports));
    s.push_str(&size_legend(vmax, h));
    s.push_str("</svg>");

    let mut kinds: Vec<String> = Vec::new();
    for n in &net.nodes {
        let k = if n.kind == "port" || ports.contains(&n.name) {
            "port".to_string()
        } else {
            n.kind.clone()
        };
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let items: Vec<LegendItem> = kinds
        .iter()
        .map(|k| LegendItem {
            name: kind_label(k),
            color: kind_color(k).to_string(),
            mark: if k == "port" {
                Mark::Diamond
            } else {
                Mark::Dot
            },
        })
        .collect();

    let what = if run.ensemble {
        "the people (median of the runs)"
    } else {
        "the people"
    };
    let mut html = format!(
        "<p class=\"note\">Node area is proportional to {what} at the location (at a port of \
         entry: in its queue too) on the day shown (printed: the last day, {}); lines are \
         links. Hover a node for its count.</p>",
        esc(&last_label)
    );
    let _ = write!(
        html,
        "<div id=\"map-controls\" hidden><label for=\"map-day\">Day</label><input type=\"range\" id=\"map-day\" min=\"0\" max=\"{}\" step=\"1\" value=\"{}\"><span id=\"map-day-label\">{}</span></div>",
        frame_days.len().saturating_sub(1),
        frame_days.len().saturating_sub(1),
        esc(&last_label)
    );
    html.push_str(&s);
    html.push_str(&legend(&items));
    if net.without_coordinates > 0 {
        let _ = write!(
            html,
            "<p class=\"note\">{} location(s) without coordinates are not drawn.</p>",
            net.without_coordinates
        );
    }

    let frames: Vec<Vec<i64>> = frame_days
        .iter()
        .map(|&d| {
            order
                .iter()
                .map(|&i| value_on(series[i], d).round() as i64)
                .collect()
        })
        .collect();
    let data = json!({
        "dates": frame_days.iter().map(|&d| date_of(d)).collect::<Vec<_>>(),
        "frames": frames,
        "vmax": vmax,
        "rmax": R_MAX,
        "rmin": R_MIN,
        "rzero": R_ZERO,
    });
    Some(MapOut {
        html,
        data: (!frame_days.is_empty()).then(|| json_for_script(&data)),
    })
}

/// Name labels for the busiest places and the ports, placed beside the node at
/// its largest size; a label never overlaps another label and avoids other nodes
/// where it can; a label that fits nowhere is left out (the tooltip still names
/// the node).
fn labels(
    net: &Network,
    pos: &[(f64, f64)],
    order: &[usize],
    peak: &[f64],
    vmax: f64,
    ports: &HashSet<String>,
) -> String {
    let mut chosen: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| peak[i] > 0.0)
        .take(14)
        .collect();
    for &i in order {
        let n = &net.nodes[i];
        if (n.kind == "port" || ports.contains(&n.name)) && !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    if chosen.is_empty() || net.nodes.len() <= 14 {
        chosen = order.to_vec();
    }
    type Box4 = (f64, f64, f64, f64);
    let overlaps = |a: &Box4, b: &Box4| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let discs: Vec<Box4> = pos
        .iter()
        .zip(peak)
        .map(|(&(x, y), &p)| {
            let r = radius(p, vmax);
            (x - r, y - r, x + r, y + r)
        })
        .collect();
    let mut boxes: Vec<Box4> = Vec::new();
    let mut s = String::from("<g class=\"labels\">");
    for i in chosen.into_iter().take(40) {
        let name = &net.nodes[i].name;
        let w = 6.3 * name.chars().count() as f64;
        let (x, y) = pos[i];
        let r = radius(peak[i], vmax);
        let d = r * 0.72 + 3.0;
        let candidates = [
            (x + r + 4.0, y + 4.0, "start"),
            (x + d, y - d - 1.0, "start"),
            (x - r - 4.0, y + 4.0, "end"),
            (x + d, y + d + 9.0, "start"),
            (x - d, y - d - 1.0, "end"),
            (x - d, y + d + 9.0, "end"),
        ];
        let place = |avoid_nodes: bool| {
            candidates.iter().find_map(|&(tx, ty, anchor)| {
                let x0 = if anchor == "start" { tx } else { tx - w };
                let b = (x0, ty - 10.0, x0 + w, ty + 2.0);
                let inside = b.0 >= 2.0 && b.2 <= W - 2.0 && b.1 >= 2.0;
                let free = !boxes.iter().any(|o| overlaps(&b, o))
                    && (!avoid_nodes
                        || !discs
                            .iter()
                            .enumerate()
                            .any(|(j, o)| j != i && overlaps(&b, o)));
                (inside && free).then_some((tx, ty, anchor, b))
            })
        };
        if let Some((tx, ty, anchor, b)) = place(true).or_else(|| place(false)) {
            boxes.push(b);
            let _ = write!(
                s,
                "<text class=\"label\" x=\"{tx:.1}\" y=\"{ty:.1}\" text-anchor=\"{anchor}\">{}</text>",
                esc(name)
            );
        }
    }
    s.push_str("</g>");
    s
}

/// Reference circles in the lower left corner, nested and bottom-aligned.
fn size_legend(vmax: f64, h: f64) -> String {
    let big = round_nice_down(vmax);
    if big <= 0.0 {
        return String::new();
    }
    let small = round_nice_down(big / 8.0);
    let base = h - 14.0;
    let cx = 20.0 + R_MAX;
    let mut s = String::from("<g class=\"size-legend\">");
    let mut last_y = f64::NEG_INFINITY;
    for v in [big, small] {
        if v <= 0.0 {
            continue;
        }
        let r = radius(v, vmax);
        let ty = (base - 2.0 * r + 4.0).max(last_y + 13.0);
        last_y = ty;
        let _ = write!(
            s,
            "<circle cx=\"{cx:.1}\" cy=\"{:.1}\" r=\"{r:.1}\"/><text x=\"{:.1}\" y=\"{ty:.1}\">{} people</text>",
            base - r,
            cx + R_MAX + 6.0,
            num(v, 0)
        );
    }
    s.push_str("</g>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_is_area_proportional_and_bounded() {
        assert_eq!(radius(0.0, 100.0), R_ZERO);
        assert_eq!(radius(100.0, 100.0), R_MAX);
        assert!((radius(25.0, 100.0) - R_MAX / 2.0).abs() < 1e-9);
        assert_eq!(radius(1e-6, 100.0), R_MIN);
    }

    #[test]
    fn nice_rounding_down() {
        assert_eq!(round_nice_down(73_000.0), 50_000.0);
        assert_eq!(round_nice_down(1_999.0), 1_000.0);
        assert_eq!(round_nice_down(2.0), 2.0);
        assert_eq!(round_nice_down(0.0), 0.0);
    }
}
