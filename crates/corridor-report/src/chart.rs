//! Hand-written SVG charts: line charts with optional p5–p95 bands, bar charts
//! (stacked or grouped, with optional whiskers) and small multiples.
//!
//! Invariants: output depends only on the inputs (fixed decimal formatting, no
//! hashing), every label goes through [`esc`], lines are downsampled to at most
//! [`MAX_POINTS`] points so the page stays small, and non-finite values break a
//! line instead of drawing to infinity. X values of date axes are day numbers
//! (days since 1970-01-01).

use corridor_model::Date;
use std::fmt::Write as _;

use crate::dates;
use crate::html::{esc, num, num_fixed};

/// Most points drawn per line (longer series are thinned evenly, keeping both ends).
pub const MAX_POINTS: usize = 400;

/// A calm categorical palette (muted Tableau-like), used for series in order.
pub const PALETTE: [&str; 10] = [
    "#4e79a7", "#e28c3a", "#59a14f", "#c8544f", "#76b7b2", "#b09a3a", "#9c6f9a", "#d98ca0",
    "#8c6d55", "#7f8c96",
];

/// Colour of the `i`-th series.
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// A "nice" step (1, 2 or 5 × 10^k) that cuts `span` into about `target` parts.
pub fn nice_step(span: f64, target: usize) -> f64 {
    let span = if span.is_finite() && span > 0.0 {
        span
    } else {
        1.0
    };
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let nice = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Like [`nice_domain`], with a step of at least 1 when `whole` (counts).
pub fn nice_domain_for(lo: f64, hi: f64, target: usize, whole: bool) -> (f64, f64, Vec<f64>) {
    let d = nice_domain(lo, hi, target);
    if !whole || d.2.len() < 2 || d.2[1] - d.2[0] >= 1.0 {
        return d;
    }
    let a = d.0.floor();
    let b = d.1.ceil().max(a + 1.0);
    (a, b, (a as i64..=b as i64).map(|v| v as f64).collect())
}

/// A domain that covers `[lo, hi]` with nice ends, and its ticks.
pub fn nice_domain(lo: f64, hi: f64, target: usize) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = (lo, hi);
    if !lo.is_finite() || !hi.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    if hi <= lo {
        hi = lo + if lo == 0.0 { 1.0 } else { lo.abs() };
    }
    let step = nice_step(hi - lo, target);
    let a = (lo / step + 1e-9).floor() * step;
    let b = (hi / step - 1e-9).ceil() * step;
    let n = ((b - a) / step).round() as usize;
    let ticks = (0..=n).map(|i| clean(a + i as f64 * step)).collect();
    (clean(a), clean(b), ticks)
}

/// Removes float noise such as 0.30000000000000004.
fn clean(v: f64) -> f64 {
    let r = (v * 1e9).round() / 1e9;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// The labels of one axis's ticks, all in one style: thousands as `k` when the
/// largest tick reaches 10,000 (`0`, `5k`, `10k`, not `5,000` beside `10k`),
/// millions as `M` from 1,000,000, else full numbers with separators; decimals
/// as the step needs.
pub fn tick_labels(ticks: &[f64], step: f64) -> Vec<String> {
    let top = ticks
        .iter()
        .map(|v| v.abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (div, suffix) = if top >= 1e6 && step >= 1e5 {
        (1e6, "M")
    } else if top >= 1e4 && step >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    ticks
        .iter()
        .map(|&v| {
            if div > 1.0 && v == 0.0 {
                "0".to_string()
            } else {
                format!("{}{suffix}", num_fixed(v / div, decimals_for(step / div)))
            }
        })
        .collect()
}

/// The fewest decimals (at most 6) that write multiples of `step` exactly
/// (2.5 needs one, 0.05 two).
fn decimals_for(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    (0..6)
        .find(|&d| {
            let m = step * 10f64.powi(d as i32);
            (m - m.round()).abs() < 1e-6 * m.max(1.0)
        })
        .unwrap_or(6)
}

/// Maps a domain linearly onto a pixel range.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Scale {
    pub fn map(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Ticks for a date axis between day numbers `x0` and `x1`: days, weeks, months
/// or years, whichever gives at most `max` ticks. Labels carry the year where it
/// changes and on the first tick.
pub fn date_ticks(x0: f64, x1: f64, max: usize) -> Vec<(f64, String)> {
    let (a, b) = (x0.ceil() as i64, x1.floor() as i64);
    if b < a || max == 0 {
        return Vec::new();
    }
    let span = b - a;
    for step in [1i64, 2, 7, 14] {
        if span / step < max as i64 {
            let mut out = Vec::new();
            let mut last_year = None;
            let mut d = a;
            while d <= b {
                let (y, m, dd) = Date(d).ymd();
                let label = if last_year != Some(y) {
                    format!("{dd} {} {y}", dates::month_name(m))
                } else {
                    format!("{dd} {}", dates::month_name(m))
                };
                last_year = Some(y);
                out.push((d as f64, label));
                d += step;
            }
            return out;
        }
    }
    let month_index = |d: i64| {
        let (y, m, _) = Date(d).ymd();
        y * 12 + m as i64 - 1
    };
    let (ma, mb) = (month_index(a), month_index(b));
    for step in [1i64, 2, 3, 6, 12, 24, 60, 120] {
        let first = (ma + 1).div_euclid(step) * step;
        let first = if first < ma { first + step } else { first };
        let starts: Vec<i64> = (0..)
            .map(|k| first + k * step)
            .take_while(|mi| *mi <= mb)
            .collect();
        if starts.len() > max {
            continue;
        }
        let mut out = Vec::new();
        let mut last_year = None;
        for mi in starts {
            let (y, m) = (mi.div_euclid(12), (mi.rem_euclid(12) + 1) as u32);
            let Some(d) = Date::from_ymd(y, m, 1).map(|d| d.0) else {
                continue;
            };
            if d < a || d > b {
                continue;
            }
            let label = if step >= 12 {
                y.to_string()
            } else if last_year != Some(y) {
                format!("{} {y}", dates::month_name(m))
            } else {
                dates::month_name(m).to_string()
            };
            last_year = Some(y);
            out.push((d as f64, label));
        }
        return out;
    }
    Vec::new()
}

/// Indices of at most `max` evenly spread elements of `0..n`, always keeping the
/// first and the last.
pub fn thin(n: usize, max: usize) -> Vec<usize> {
    if n <= max || max < 2 {
        return (0..n).collect();
    }
    let mut out: Vec<usize> = (0..max)
        .map(|k| ((k as f64) * (n - 1) as f64 / (max - 1) as f64).round() as usize)
        .collect();
    out.dedup();
    out
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Solid,
    Dashed,
}

/// One line of a line chart, with an optional band (`lo`, `hi` per point).
#[derive(Debug, Clone)]
pub struct Line {
    pub name: String,
    pub color: String,
    pub points: Vec<(f64, f64)>,
    pub band: Vec<(f64, f64)>,
    pub style: Style,
}

impl Line {
    pub fn new(name: impl Into<String>, color: &str, points: Vec<(f64, f64)>) -> Line {
        Line {
            name: name.into(),
            color: color.to_string(),
            points,
            band: Vec::new(),
            style: Style::Solid,
        }
    }
}

/// What the x values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Day numbers since 1970-01-01, labelled with dates.
    Dates,
    /// Plain numbers (simulation days when no dates are known).
    Days,
}

/// Chart size: the full width of a section, or a panel of small multiples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Full,
    Small,
}

struct Frame {
    w: f64,
    h: f64,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    x_ticks: usize,
    y_ticks: usize,
}

impl Size {
    fn frame(self) -> Frame {
        match self {
            Size::Full => Frame {
                w: 860.0,
                h: 300.0,
                left: 70.0,
                right: 24.0,
                top: 14.0,
                bottom: 46.0,
                x_ticks: 9,
                y_ticks: 5,
            },
            Size::Small => Frame {
                w: 340.0,
                h: 210.0,
                left: 62.0,
                right: 14.0,
                top: 10.0,
                bottom: 30.0,
                x_ticks: 4,
                y_ticks: 4,
            },
        }
    }
}

/// A line chart.
#[derive(Debug, Clone)]
pub struct LineChart {
    pub title: String,
    pub x: XAxis,
    pub y_label: String,
    pub lines: Vec<Line>,
    /// Horizontal reference lines (value, label).
    pub refs: Vec<(f64, String)>,
    /// Shaded x ranges behind the lines (windows of a run), clipped to the data.
    pub spans: Vec<Span>,
    pub size: Size,
}

/// A shaded x range `from ..= to`: `tag` written at its top (full-size charts,
/// when it fits), `label` as its tooltip.
#[derive(Debug, Clone)]
pub struct Span {
    pub from: f64,
    pub to: f64,
    pub tag: String,
    pub label: String,
    pub fill: &'static str,
}

impl LineChart {
    pub fn new(title: impl Into<String>, x: XAxis, y_label: impl Into<String>) -> LineChart {
        LineChart {
            title: title.into(),
            x,
            y_label: y_label.into(),
            lines: Vec::new(),
            refs: Vec::new(),
            spans: Vec::new(),
            size: Size::Full,
        }
    }

    /// True when no line has a finite point.
    pub fn is_empty(&self) -> bool {
        !self
            .lines
            .iter()
            .any(|l| l.points.iter().any(|p| p.0.is_finite() && p.1.is_finite()))
    }

    /// The chart as an `<svg>` element.
    pub fn svg(&self) -> String {
        let f = self.size.frame();
        let finite = |v: &f64| v.is_finite();
        let xs = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (mut x0, mut x1) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in xs.filter(finite) {
            x0 = x0.min(x);
            x1 = x1.max(x);
        }
        if !x0.is_finite() {
            (x0, x1) = (0.0, 1.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let ys = self.lines.iter().flat_map(|l| {
            l.points
                .iter()
                .map(|p| p.1)
                .chain(l.band.iter().flat_map(|b| [b.0, b.1]))
        });
        let (mut y0, mut y1) = (0.0f64, f64::NEG_INFINITY);
        for y in ys.chain(self.refs.iter().map(|r| r.0)).filter(finite) {
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
        let (y0, y1, yt) = nice_domain(y0, y1.max(y0), f.y_ticks);
        let sx = Scale {
            d0: x0,
            d1: x1,
            r0: f.left,
            r1: f.w - f.right,
        };
        let sy = Scale {
            d0: y0,
            d1: y1,
            r0: f.h - f.bottom,
            r1: f.top,
        };
        let mut s = svg_open(f.w, f.h, &self.title);
        let ystep = if yt.len() > 1 { yt[1] - yt[0] } else { 1.0 };
        y_axis(&mut s, &f, &sy, &yt, ystep, &self.y_label);
        let xticks: Vec<(f64, String)> = match self.x {
            XAxis::Dates => date_ticks(x0, x1, f.x_ticks),
            XAxis::Days => {
                let (_, _, t) = nice_domain(x0, x1, f.x_ticks.saturating_sub(2).max(2));
                let step = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
                let t: Vec<f64> = t
                    .into_iter()
                    .filter(|v| *v >= x0 - 1e-9 && *v <= x1 + 1e-9)
                    .collect();
                let labels = tick_labels(&t, step);
                t.into_iter().zip(labels).collect()
            }
        };
        x_axis(&mut s, &f, &sx, &xticks);
        for sp in &self.spans {
            let (a, b) = (sp.from.max(x0), sp.to.min(x1));
            if b <= a {
                continue;
            }
            let (xa, xb) = (sx.map(a), sx.map(b));
            let _ = write!(
                s,
                "<rect class=\"span\" x=\"{xa:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" fill-opacity=\"0.35\"><title>{}</title></rect>",
                f.top,
                xb - xa,
                f.h - f.bottom - f.top,
                sp.fill,
                esc(&sp.label)
            );
            // About 6 px per character at 11 px: a tag that does not fit is left
            // out rather than drawn over its neighbour's.
            let fits = xb - xa >= 6.0 * sp.tag.chars().count() as f64 + 6.0;
            if self.size == Size::Full && fits {
                let _ = write!(
                    s,
                    "<text class=\"span-label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    xa + 3.0,
                    f.top + 11.0,
                    esc(&sp.tag)
                );
            }
        }
        if self.size == Size::Full {
            let label = match self.x {
                XAxis::Dates => "date",
                XAxis::Days => "day of simulation",
            };
            let _ = write!(
                s,
                "<text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{label}</text>",
                (f.left + f.w - f.right) / 2.0,
                f.h - 6.0
            );
        }
        for l in &self.lines {
            if !l.band.is_empty() {
                let d = band_path(&l.points, &l.band, &sx, &sy);
                if !d.is_empty() {
                    let _ = write!(
                        s,
                        "<path class=\"band\" fill=\"{}\" d=\"{d}\"><title>{}: 5th–95th percentile</title></path>",
                        esc(&l.color),
                        esc(&l.name)
                    );
                }
            }
        }
        // A band value with no finite neighbour (a one-period forecast, a lone
        // month between gaps) has no area to fill: drawn as a whisker instead.
        for l in self.lines.iter().filter(|l| !l.band.is_empty()) {
            let n = l.points.len().min(l.band.len());
            let ok = |i: usize| {
                l.points[i].0.is_finite() && l.band[i].0.is_finite() && l.band[i].1.is_finite()
            };
            for i in isolated(n, ok) {
                let (x, lo, hi) = (
                    sx.map(l.points[i].0),
                    sy.map(l.band[i].0),
                    sy.map(l.band[i].1),
                );
                let _ = write!(
                    s,
                    "<path class=\"spot\" stroke=\"{}\" d=\"M{x:.1} {hi:.1}V{lo:.1}M{:.1} {hi:.1}H{:.1}M{:.1} {lo:.1}H{:.1}\"><title>{}: 5th–95th percentile {}–{}</title></path>",
                    esc(&l.color),
                    x - 4.0,
                    x + 4.0,
                    x - 4.0,
                    x + 4.0,
                    esc(&l.name),
                    num(l.band[i].0, 0),
                    num(l.band[i].1, 0)
                );
            }
        }
        for (v, label) in &self.refs {
            let y = sy.map(*v);
            let _ = write!(
                s,
                "<line class=\"ref\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                f.left,
                f.w - f.right,
                f.w - f.right - 2.0,
                y - 4.0,
                esc(label)
            );
        }
        for l in &self.lines {
            // A value with no finite neighbour draws no line: a dot instead.
            let ok = |i: usize| l.points[i].0.is_finite() && l.points[i].1.is_finite();
            for i in isolated(l.points.len(), ok) {
                let _ = write!(
                    s,
                    "<circle class=\"dot\" fill=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\"><title>{}: {}</title></circle>",
                    esc(&l.color),
                    sx.map(l.points[i].0),
                    sy.map(l.points[i].1),
                    esc(&l.name),
                    num(l.points[i].1, 0)
                );
            }
            let d = line_path(&l.points, &sx, &sy);
            if d.is_empty() {
                continue;
            }
            let class = match l.style {
                Style::Solid => "line",
                Style::Dashed => "line dashed",
            };
            let peak = l
                .points
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .fold(f64::NEG_INFINITY, f64::max);
            let _ = write!(
                s,
                "<path class=\"{class}\" stroke=\"{}\" d=\"{d}\"><title>{} (peak {})</title></path>",
                esc(&l.color),
                esc(&l.name),
                num(peak, 2)
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The chart in a `<figure>` with its title and legend.
    pub fn figure(&self) -> String {
        let mut h = format!("<figure><figcaption>{}</figcaption>", esc(&self.title));
        h.push_str(&self.svg());
        if self.lines.len() > 1 || self.lines.iter().any(|l| !l.band.is_empty()) {
            h.push_str(&legend_for_lines(&self.lines));
        }
        h.push_str("</figure>");
        h
    }
}

/// A legend for lines: one swatch per line, plus a note for bands.
pub fn legend_for_lines(lines: &[Line]) -> String {
    let items: Vec<LegendItem> = lines
        .iter()
        .map(|l| LegendItem {
            name: l.name.clone(),
            color: l.color.clone(),
            mark: if l.style == Style::Dashed {
                Mark::Dash
            } else {
                Mark::Line
            },
        })
        .collect();
    let mut h = legend(&items);
    if lines.iter().any(|l| !l.band.is_empty()) {
        h = h.replacen(
            "</ul>",
            "<li><span class=\"sw band\" style=\"background:#4e79a7\"></span>shaded: 5th–95th percentile of the runs; line: median</li></ul>",
            1,
        );
    }
    h
}

/// The shape of a legend swatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Line,
    Dash,
    Box,
    Dot,
    Diamond,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub struct LegendItem {
    pub name: String,
    pub color: String,
    pub mark: Mark,
}

/// An HTML legend.
pub fn legend(items: &[LegendItem]) -> String {
    let mut h = String::from("<ul class=\"legend\">");
    for it in items {
        let class = match it.mark {
            Mark::Line => "sw",
            Mark::Dash => "sw dash",
            Mark::Box => "sw box",
            Mark::Dot => "sw dot",
            Mark::Diamond => "sw diamond",
        };
        let _ = write!(
            h,
            "<li><span class=\"{class}\" style=\"background:{}\"></span>{}</li>",
            esc(&it.color),
            esc(&it.name)
        );
    }
    h.push_str("</ul>");
    h
}

fn svg_open(w: f64, h: f64, title: &str) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"{}\">",
        esc(title)
    )
}

fn y_axis(s: &mut String, f: &Frame, sy: &Scale, ticks: &[f64], step: f64, label: &str) {
    s.push_str("<g class=\"tick\">");
    let labels = tick_labels(ticks, step);
    for (t, text) in ticks.iter().zip(&labels) {
        let y = sy.map(*t);
        let _ = write!(
            s,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            f.left,
            f.w - f.right,
            f.left - 6.0,
            y + 4.0,
            esc(text)
        );
    }
    s.push_str("</g>");
    let cy = (f.top + f.h - f.bottom) / 2.0;
    let _ = write!(
        s,
        "<text class=\"axis-label\" transform=\"translate(13 {cy:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        esc(label)
    );
}

fn x_axis(s: &mut String, f: &Frame, sx: &Scale, ticks: &[(f64, String)]) {
    let y = f.h - f.bottom;
    let _ = write!(
        s,
        "<line class=\"axis\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>",
        f.left,
        f.w - f.right
    );
    for (v, label) in ticks {
        let x = sx.map(*v);
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{y:.1}\" y2=\"{:.1}\"/><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            y + 4.0,
            y + 17.0,
            esc(label)
        );
    }
}

/// The indices among `0..n` where `ok` holds but holds at neither neighbour:
/// values a line or a band cannot draw (a path needs two points).
fn isolated(n: usize, ok: impl Fn(usize) -> bool) -> Vec<usize> {
    (0..n)
        .filter(|&i| ok(i) && (i == 0 || !ok(i - 1)) && (i + 1 == n || !ok(i + 1)))
        .collect()
}

fn line_path(points: &[(f64, f64)], sx: &Scale, sy: &Scale) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for i in thin(points.len(), MAX_POINTS) {
        let (x, y) = points[i];
        if !x.is_finite() || !y.is_finite() {
            pen_down = false;
            continue;
        }
        let cmd = if pen_down { 'L' } else { 'M' };
        let _ = write!(d, "{cmd}{:.1} {:.1}", sx.map(x), sy.map(y));
        pen_down = true;
    }
    d
}

fn band_path(points: &[(f64, f64)], band: &[(f64, f64)], sx: &Scale, sy: &Scale) -> String {
    let n = points.len().min(band.len());
    let mut d = String::new();
    let mut run: Vec<usize> = Vec::new();
    let flush = |run: &mut Vec<usize>, d: &mut String| {
        if run.len() > 1 {
            for (k, &i) in run.iter().enumerate() {
                let c = if k == 0 { 'M' } else { 'L' };
                let _ = write!(d, "{c}{:.1} {:.1}", sx.map(points[i].0), sy.map(band[i].1));
            }
            for &i in run.iter().rev() {
                let _ = write!(d, "L{:.1} {:.1}", sx.map(points[i].0), sy.map(band[i].0));
            }
            d.push('Z');
        }
        run.clear();
    };
    for i in thin(n, MAX_POINTS) {
        let ok = points[i].0.is_finite() && band[i].0.is_finite() && band[i].1.is_finite();
        if ok {
            run.push(i);
        } else {
            flush(&mut run, &mut d);
        }
    }
    flush(&mut run, &mut d);
    d
}

/// Panels of small line charts sharing one legend.
pub fn multiples(charts: &[LineChart], legend_html: &str) -> String {
    let mut h = String::new();
    h.push_str(legend_html);
    h.push_str("<div class=\"multiples\">");
    for c in charts {
        let mut c = c.clone();
        c.size = Size::Small;
        let _ = write!(
            h,
            "<figure><figcaption>{}</figcaption>{}</figure>",
            esc(&c.title),
            c.svg()
        );
    }
    h.push_str("</div>");
    h
}

/// One series of bars.
#[derive(Debug, Clone)]
pub struct Bars {
    pub name: String,
    pub color: String,
    pub values: Vec<f64>,
    /// Optional (lo, hi) whisker per category, e.g. p5–p95.
    pub whiskers: Vec<(f64, f64)>,
}

/// A bar chart over categories (months), stacked or grouped.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub y_label: String,
    /// Category keys (full text, used in tooltips).
    pub categories: Vec<String>,
    /// Axis labels per category: (first line, group such as the year; the group is
    /// shown on a second line where it changes).
    pub labels: Vec<(String, String)>,
    pub series: Vec<Bars>,
    pub stacked: bool,
    pub size: Size,
}

impl BarChart {
    /// The chart as an `<svg>` element.
    pub fn svg(&self) -> String {
        let mut f = self.size.frame();
        f.bottom += 12.0;
        f.h += 12.0;
        let n = self.categories.len().max(1);
        let mut top = 0.0f64;
        let mut bottom = 0.0f64;
        for c in 0..self.categories.len() {
            if self.stacked {
                let (mut pos, mut neg) = (0.0, 0.0);
                for sr in &self.series {
                    let v = sr.values.get(c).copied().unwrap_or(0.0);
                    if v.is_finite() {
                        if v >= 0.0 {
                            pos += v
                        } else {
                            neg += v
                        }
                    }
                }
                top = top.max(pos);
                bottom = bottom.min(neg);
            } else {
                for sr in &self.series {
                    let v = sr.values.get(c).copied().unwrap_or(0.0);
                    let w = sr.whiskers.get(c).map(|w| w.1).unwrap_or(v);
                    if v.is_finite() {
                        top = top.max(v).max(if w.is_finite() { w } else { v });
                        bottom = bottom.min(v);
                    }
                }
            }
        }
        let whole = self
            .series
            .iter()
            .flat_map(|b| b.values.iter())
            .all(|v| !v.is_finite() || v.fract() == 0.0);
        let (y0, y1, yt) = nice_domain_for(bottom, top, f.y_ticks, whole);
        let sy = Scale {
            d0: y0,
            d1: y1,
            r0: f.h - f.bottom,
            r1: f.top,
        };
        let plot_w = f.w - f.left - f.right;
        let band = plot_w / n as f64;
        let mut s = svg_open(f.w, f.h, &self.title);
        let ystep = if yt.len() > 1 { yt[1] - yt[0] } else { 1.0 };
        y_axis(&mut s, &f, &sy, &yt, ystep, &self.y_label);
        let base = f.h - f.bottom;
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            f.left,
            f.w - f.right,
            sy.map(0.0),
            sy.map(0.0)
        );
        // Thin the labels so that they do not overlap (about 44 px each).
        let every = ((44.0 / band).ceil() as usize).max(1);
        let mut shown_group: Option<&str> = None;
        for (c, (l1, l2)) in self.labels.iter().enumerate() {
            let x = f.left + band * (c as f64 + 0.5);
            if c % every != 0 {
                continue;
            }
            // The second line (the year) only where it changes.
            let l2 = if shown_group == Some(l2.as_str()) {
                ""
            } else {
                shown_group = Some(l2.as_str());
                l2.as_str()
            };
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                base + 16.0,
                esc(l1)
            );
            if !l2.is_empty() {
                let _ = write!(
                    s,
                    "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                    base + 30.0,
                    esc(l2)
                );
            }
        }
        let k = self.series.len().max(1) as f64;
        let inner = band * 0.78;
        for c in 0..self.categories.len() {
            let (mut pos, mut neg) = (0.0f64, 0.0f64);
            let cx0 = f.left + band * c as f64 + (band - inner) / 2.0;
            for (i, sr) in self.series.iter().enumerate() {
                let v = sr.values.get(c).copied().unwrap_or(0.0);
                if !v.is_finite() {
                    continue;
                }
                let (x, w, from, to) = if self.stacked {
                    let from = if v >= 0.0 { pos } else { neg };
                    let to = from + v;
                    if v >= 0.0 {
                        pos = to
                    } else {
                        neg = to
                    }
                    (cx0, inner, from, to)
                } else {
                    let w = inner / k;
                    (cx0 + w * i as f64, w, 0.0, v)
                };
                let (ya, yb) = (sy.map(from), sy.map(to));
                let (ytop, h) = (ya.min(yb), (ya - yb).abs());
                if h > 0.0 {
                    let _ = write!(
                        s,
                        "<rect class=\"bar\" x=\"{x:.1}\" y=\"{ytop:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{} — {}: {}</title></rect>",
                        esc(&sr.color),
                        esc(&self.categories[c]),
                        esc(&sr.name),
                        num(v, 1)
                    );
                }
                if let Some(&(lo, hi)) = sr.whiskers.get(c) {
                    if lo.is_finite() && hi.is_finite() && !self.stacked {
                        let xm = x + w / 2.0;
                        let (a, b) = (sy.map(lo), sy.map(hi));
                        let q = (w * 0.25).min(4.0);
                        let _ = write!(
                            s,
                            "<path class=\"whisker\" d=\"M{xm:.1} {a:.1}V{b:.1}M{:.1} {a:.1}H{:.1}M{:.1} {b:.1}H{:.1}\"><title>{} — {}: 5th–95th percentile {}–{}</title></path>",
                            xm - q,
                            xm + q,
                            xm - q,
                            xm + q,
                            esc(&self.categories[c]),
                            esc(&sr.name),
                            num(lo, 1),
                            num(hi, 1)
                        );
                    }
                }
            }
        }
        s.push_str("</svg>");
        s
    }

    /// The chart in a `<figure>` with its title and legend.
    pub fn figure(&self) -> String {
        let mut h = format!("<figure><figcaption>{}</figcaption>", esc(&self.title));
        h.push_str(&self.svg());
        let mut items: Vec<LegendItem> = self
            .series
            .iter()
            .map(|b| LegendItem {
                name: b.name.clone(),
                color: b.color.clone(),
                mark: Mark::Box,
            })
            .collect();
        if self.stacked {
            // Stacks are read bottom-up; list the legend the same way.
            items.reverse();
        }
        if items.len() > 1 {
            h.push_str(&legend(&items));
        }
        if self.series.iter().any(|b| !b.whiskers.is_empty()) {
            h.push_str(
                "<p class=\"note\">Bars: median of the runs; whiskers: 5th–95th percentile.</p>",
            );
        }
        h.push_str("</figure>");
        h
    }
}

/// Axis labels for `YYYY-MM` month keys: (month name, year).
pub fn month_labels(keys: &[String]) -> Vec<(String, String)> {
    keys.iter()
        .map(|k| match Date::parse_month(k) {
            Some((y, m)) => (dates::month_name(m).to_string(), y.to_string()),
            None => (k.clone(), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_1_2_5() {
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(1000.0, 4), 200.0);
        assert_eq!(nice_step(7.0, 5), 1.0);
        assert_eq!(nice_step(0.9, 5), 0.2);
        assert_eq!(nice_step(45_000.0, 5), 10_000.0);
        assert_eq!(nice_step(0.0, 5), 0.2);
    }

    #[test]
    fn nice_domain_covers_data_with_round_ends() {
        let (a, b, t) = nice_domain(0.0, 93.0, 5);
        assert_eq!((a, b), (0.0, 100.0));
        assert_eq!(t, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let (a, b, t) = nice_domain(0.0, 0.3, 3);
        assert_eq!((a, b), (0.0, 0.3));
        assert_eq!(t, vec![0.0, 0.1, 0.2, 0.3]);
        let (a, b, _) = nice_domain(-12.0, 40.0, 5);
        assert_eq!((a, b), (-20.0, 40.0));
        // Degenerate and non-finite input still gives a usable domain.
        let (a, b, t) = nice_domain(0.0, 0.0, 5);
        assert_eq!((a, b), (0.0, 1.0));
        assert_eq!(t.len(), 6);
        let (a, b, _) = nice_domain(f64::NAN, 3.0, 5);
        assert_eq!((a, b), (0.0, 1.0));
        // Counts never get fractional ticks.
        let (a, b, t) = nice_domain_for(0.0, 3.0, 5, true);
        assert_eq!((a, b), (0.0, 3.0));
        assert_eq!(t, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_domain_for(0.0, 3.0, 5, false).2.len(), 7);
    }

    #[test]
    fn tick_labels_use_one_style_per_axis() {
        let t = |v: &[f64], step| tick_labels(v, step);
        // The axis reaches 10,000: every tick in thousands, none as "5,000".
        assert_eq!(
            t(&[0.0, 5_000.0, 10_000.0, 15_000.0], 5_000.0),
            ["0", "5k", "10k", "15k"]
        );
        assert_eq!(
            t(&[0.0, 2_500.0, 5_000.0, 7_500.0, 10_000.0], 2_500.0),
            ["0", "2.5k", "5.0k", "7.5k", "10.0k"]
        );
        // Below 10,000: full numbers throughout.
        assert_eq!(
            t(&[0.0, 2_500.0, 5_000.0], 2_500.0),
            ["0", "2,500", "5,000"]
        );
        assert_eq!(
            t(&[0.0, 500_000.0, 1_000_000.0, 1_500_000.0], 500_000.0),
            ["0", "0.5M", "1.0M", "1.5M"]
        );
        assert_eq!(
            t(&[-20_000.0, 0.0, 20_000.0], 20_000.0),
            ["−20k", "0", "20k"]
        );
        assert_eq!(t(&[0.0, 0.1, 0.2], 0.1), ["0.0", "0.1", "0.2"]);
        assert_eq!(t(&[0.0, 0.05], 0.05), ["0.00", "0.05"]);
    }

    #[test]
    fn scale_maps_linearly_and_inverts_y() {
        let s = Scale {
            d0: 0.0,
            d1: 100.0,
            r0: 250.0,
            r1: 10.0,
        };
        assert_eq!(s.map(0.0), 250.0);
        assert_eq!(s.map(100.0), 10.0);
        assert_eq!(s.map(50.0), 130.0);
        let flat = Scale {
            d0: 5.0,
            d1: 5.0,
            r0: 0.0,
            r1: 10.0,
        };
        assert_eq!(flat.map(5.0), 5.0);
    }

    #[test]
    fn date_ticks_pick_days_weeks_months_years() {
        let d = |s: &str| dates::parse(s).unwrap() as f64;
        let t = date_ticks(d("2024-01-01"), d("2024-01-05"), 9);
        assert_eq!(t.len(), 5);
        assert_eq!(t[0].1, "1 Jan 2024");
        assert_eq!(t[1].1, "2 Jan");
        let t = date_ticks(d("2023-12-20"), d("2024-02-20"), 9);
        assert_eq!(t[0].1, "20 Dec 2023");
        assert_eq!(t[1].1, "27 Dec");
        assert_eq!(t[2].1, "3 Jan 2024");
        let t = date_ticks(d("2023-03-15"), d("2024-03-10"), 9);
        let labels: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(labels, ["May 2023", "Jul", "Sep", "Nov", "Jan 2024", "Mar"]);
        assert!(t
            .iter()
            .all(|(x, _)| *x >= d("2023-03-15") && *x <= d("2024-03-10")));
        let t = date_ticks(d("2000-01-01"), d("2020-06-01"), 9);
        let labels: Vec<&str> = t.iter().map(|x| x.1.as_str()).collect();
        assert_eq!(labels, ["2000", "2005", "2010", "2015", "2020"]);
        assert!(date_ticks(10.0, 5.0, 9).is_empty());
    }

    #[test]
    fn thinning_keeps_ends_and_bounds_count() {
        assert_eq!(thin(5, 400), vec![0, 1, 2, 3, 4]);
        let t = thin(1000, 400);
        assert_eq!(t.len(), 400);
        assert_eq!((t[0], *t.last().unwrap()), (0, 999));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn lone_values_are_drawn_as_dots_and_whiskers() {
        let mut c = LineChart::new("t", XAxis::Days, "people");
        let mut l = Line::new(
            "fc",
            "#123456",
            vec![(0.0, 5.0), (1.0, f64::NAN), (2.0, 7.0), (3.0, 8.0)],
        );
        l.band = vec![(4.0, 6.0), (f64::NAN, f64::NAN), (6.0, 8.0), (7.0, 9.0)];
        c.lines.push(l);
        let svg = c.svg();
        // Point 0 stands alone; points 2 and 3 make a line and a band.
        assert_eq!(svg.matches("<circle class=\"dot\"").count(), 1, "{svg}");
        assert_eq!(svg.matches("class=\"spot\"").count(), 1, "{svg}");
        assert!(svg.contains("fc: 5th–95th percentile 4–6"), "{svg}");
        assert_eq!(svg.matches("class=\"band\"").count(), 1, "{svg}");
        assert_eq!(isolated(1, |_| true), vec![0]);
        assert!(isolated(0, |_| true).is_empty());
    }

    #[test]
    fn line_chart_breaks_at_gaps_and_escapes_names() {
        let mut c = LineChart::new("<t>", XAxis::Days, "people");
        c.lines.push(Line::new(
            "<b>\"x\"",
            "#000",
            vec![(0.0, 1.0), (1.0, f64::NAN), (2.0, 3.0), (3.0, 4.0)],
        ));
        let s = c.svg();
        assert!(s.contains("&lt;b&gt;&quot;x&quot;"));
        assert!(!s.contains("<b>"));
        let path = s.split("class=\"line\"").nth(1).unwrap();
        let d = path
            .split("d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
    }

    #[test]
    fn long_lines_are_downsampled() {
        let mut c = LineChart::new("t", XAxis::Days, "people");
        c.lines.push(Line::new(
            "a",
            "#000",
            (0..2000).map(|i| (i as f64, (i % 7) as f64)).collect(),
        ));
        let s = c.svg();
        let d = s.split("class=\"line\"").nth(1).unwrap();
        assert_eq!(d.matches('L').count(), MAX_POINTS - 1);
    }

    #[test]
    fn stacked_bars_stack_and_grouped_bars_do_not() {
        let chart = |stacked| BarChart {
            title: "t".into(),
            y_label: "people".into(),
            categories: vec!["2024-01".into(), "2024-02".into()],
            labels: month_labels(&["2024-01".into(), "2024-02".into()]),
            series: vec![
                Bars {
                    name: "a".into(),
                    color: "#111".into(),
                    values: vec![60.0, 10.0],
                    whiskers: vec![],
                },
                Bars {
                    name: "b".into(),
                    color: "#222".into(),
                    values: vec![40.0, 0.0],
                    whiskers: vec![(30.0, 50.0), (0.0, 5.0)],
                },
            ],
            stacked,
            size: Size::Full,
        };
        let s = chart(true).svg();
        // Zero-height bars are not drawn; the stacked top tick is 100.
        assert_eq!(s.matches("<rect class=\"bar\"").count(), 3);
        assert!(s.contains(">100</text>"));
        assert_eq!(s.matches("class=\"whisker\"").count(), 0);
        let s = chart(false).svg();
        assert_eq!(s.matches("class=\"whisker\"").count(), 2);
        assert!(!s.contains(">100</text>"));
        assert_eq!(
            month_labels(&["2023-12".into(), "2024-01".into(), "2024-02".into()]),
            vec![
                ("Dec".to_string(), "2023".to_string()),
                ("Jan".to_string(), "2024".to_string()),
                ("Feb".to_string(), "2024".to_string())
            ]
        );
        // The year is printed once per year, under its first labelled month.
        let s = chart(true).svg();
        assert_eq!(s.matches(">2024</text>").count(), 1);
    }
}
