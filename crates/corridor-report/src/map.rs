//! The network drawn from latitude/longitude as an inline SVG, over Natural
//! Earth coastlines and borders.
//!
//! Two layers: [`draw_map`] turns plain data (places with coordinates, role and
//! value; links) into an SVG string, so the report and the what-if server draw
//! the same map; [`network_map`] feeds it a run directory's network and people
//! and adds the day slider's data. Equirectangular projection (longitude scaled
//! by the cosine of the mid latitude) fitted to the places' bounding box; the
//! outlines are clipped to the drawing, under the links and nodes. Node area is
//! proportional to the people at the location (at a port of entry: plus its
//! queue; the median of the runs for an ensemble); colour is the place's role in
//! the corridor's terms (a `camp` that a port names as its border city is a
//! "border city"); ports of entry are diamonds. Labels are placed greedily,
//! biggest place first, beside the node or further out with a leader line; a
//! label never overlaps another label or another node, and one that fits
//! nowhere is left out (the tooltip still names the node). The SVG as written
//! shows the last day, so the page prints and reads without JS; the frames let
//! the slider script resize nodes for other days. Nodes are drawn largest first
//! so small ones stay visible; the frame arrays use the same order as the
//! `g.node` elements, which is what the script relies on.

use corridor_model::Date;
use std::collections::HashSet;
use std::fmt::Write as _;

use serde_json::json;

use crate::chart::{legend, LegendItem, Mark};
use crate::html::{esc, json_for_script, num};
use crate::load::{Network, Pt, RunData, POPULATION, P_QUEUE};
use crate::outlines;

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
const H_MAX: f64 = 680.0;
const PAD: f64 = 36.0;
/// Label text metrics (11 px font): width per character, box height, and how
/// far the baseline sits above the box's bottom.
const CHAR_W: f64 = 6.1;
const LABEL_H: f64 = 12.0;
const DESCENT: f64 = 3.0;

/// A place's role on the map, in the corridor's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    ConflictZone,
    Town,
    BorderCity,
    Port,
    Camp,
    IdpCamp,
    ForwardingHub,
    FloodZone,
    Marker,
    Other,
    /// In a corridor scenario: a camp that is not a border city, i.e. a town with
    /// shelters where people stop on the way.
    ShelterTown,
    /// In a corridor scenario: a conflict zone, i.e. a place people set out from.
    Origin,
}

impl Role {
    /// The role in a corridor scenario's terms: Flee's camps there are shelter
    /// towns and its conflict zones places of origin; the rest keep their names.
    pub fn in_corridor(self) -> Role {
        match self {
            Role::Camp | Role::IdpCamp => Role::ShelterTown,
            Role::ConflictZone => Role::Origin,
            r => r,
        }
    }

    /// The role of a location of `kind` (a `kind` column value); `is_port` when
    /// it is a port of entry, `is_border_city` when a port names it as the city
    /// where people wait to cross.
    pub fn of(kind: &str, is_port: bool, is_border_city: bool) -> Role {
        if is_port || kind == "port" {
            return Role::Port;
        }
        if is_border_city {
            return Role::BorderCity;
        }
        match kind {
            "conflict_zone" | "conflict" => Role::ConflictZone,
            "town" => Role::Town,
            "camp" => Role::Camp,
            "idpcamp" => Role::IdpCamp,
            "forwarding_hub" => Role::ForwardingHub,
            "flood_zone" => Role::FloodZone,
            "marker" => Role::Marker,
            _ => Role::Other,
        }
    }

    /// The name shown in legends and tooltips.
    pub fn label(self) -> &'static str {
        match self {
            Role::ConflictZone => "conflict zone",
            Role::Town => "town",
            Role::BorderCity => "border city",
            Role::Port => "port of entry",
            Role::Camp => "camp",
            Role::IdpCamp => "IDP camp",
            Role::ForwardingHub => "forwarding hub",
            Role::FloodZone => "flood zone",
            Role::Marker => "waypoint",
            Role::Other => "other place",
            Role::ShelterTown => "shelter town",
            Role::Origin => "place of origin",
        }
    }

    pub fn color(self) -> &'static str {
        match self {
            Role::ConflictZone => "#c8544f",
            Role::Town => "#6f8193",
            Role::BorderCity => "#7a5aa6",
            Role::Port => "#e28c3a",
            Role::Camp => "#3f9b6b",
            Role::IdpCamp => "#8bbf6a",
            Role::ForwardingHub => "#9c6f9a",
            Role::FloodZone => "#4e79a7",
            Role::Marker => "#a9b2b9",
            Role::Other => "#8a8f94",
            Role::ShelterTown => "#3f9b6b",
            Role::Origin => "#c8544f",
        }
    }
}

/// A place to draw: plain data, whatever it comes from.
#[derive(Debug, Clone)]
pub struct MapNode {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub role: Role,
    /// People shown now (sets the size of the mark).
    pub value: f64,
    /// The most people over every day the map may show: sets the size scale
    /// (with the largest peak) and the room kept for the node's label.
    pub peak: f64,
    /// Words after the name in the tooltip (e.g. "border city, Sonora").
    pub detail: String,
}

/// A link between two nodes (indices into the node list).
#[derive(Debug, Clone)]
pub struct MapLink {
    pub from: usize,
    pub to: usize,
    /// Tooltip.
    pub title: String,
}

/// What [`draw_map`] draws.
#[derive(Debug, Clone)]
pub struct MapSpec<'a> {
    pub nodes: &'a [MapNode],
    pub links: &'a [MapLink],
    /// Ends each node's tooltip after its count, e.g. "people on 2024-03-31".
    pub value_label: String,
}

/// A drawn map.
#[derive(Debug, Clone)]
pub struct DrawnMap {
    /// The `<svg>` element.
    pub svg: String,
    /// Node indices in drawing order (the order of the `g.node` elements).
    pub order: Vec<usize>,
    /// How many nodes carry a label.
    pub labelled: usize,
    /// Whether coastlines / land borders are in view (for the legend).
    pub coast: bool,
    pub borders: bool,
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

/// The projection of a set of places onto the map's pixels.
#[derive(Debug, Clone, Copy)]
struct Projection {
    lon0: f64,
    lat1: f64,
    kx: f64,
    k: f64,
    ox: f64,
    oy: f64,
    h: f64,
}

impl Projection {
    fn fit(nodes: &[MapNode]) -> Projection {
        let (mut lat0, mut lat1, mut lon0, mut lon1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for n in nodes {
            lat0 = lat0.min(n.lat);
            lat1 = lat1.max(n.lat);
            lon0 = lon0.min(n.lon);
            lon1 = lon1.max(n.lon);
        }
        let kx = ((lat0 + lat1) / 2.0).to_radians().cos().max(0.05);
        let wdeg = ((lon1 - lon0) * kx).max(1e-6);
        let hdeg = (lat1 - lat0).max(1e-6);
        let k = if (lon1 - lon0) < 1e-9 && (lat1 - lat0) < 1e-9 {
            // One place (or all at one point): about 1° per 40 px.
            40.0
        } else {
            ((W - 2.0 * PAD) / wdeg).min((H_MAX - 2.0 * PAD) / hdeg)
        };
        let h = (hdeg * k + 2.0 * PAD).clamp(240.0, H_MAX);
        Projection {
            lon0,
            lat1,
            kx,
            k,
            ox: (W - wdeg * k) / 2.0,
            oy: (h - hdeg * k) / 2.0,
            h,
        }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.ox + (lon - self.lon0) * self.kx * self.k,
            self.oy + (self.lat1 - lat) * self.k,
        )
    }

    /// Longitude/latitude box of the whole drawing, one degree wider each way.
    fn lonlat_box(&self) -> outlines::Rect {
        let lon = |x: f64| self.lon0 + (x - self.ox) / (self.kx * self.k);
        let lat = |y: f64| self.lat1 - (y - self.oy) / self.k;
        (
            lon(0.0) - 1.0,
            lat(self.h) - 1.0,
            lon(W) + 1.0,
            lat(0.0) + 1.0,
        )
    }
}

/// Draws places, links and outlines as an `<svg>` (`id="map-svg"`); the caller
/// adds the legend ([`role_legend`]). Node sizes scale with the largest `peak`.
pub fn draw_map(spec: &MapSpec) -> DrawnMap {
    let nodes = spec.nodes;
    let proj = Projection::fit(nodes);
    let h = proj.h;
    let pos: Vec<(f64, f64)> = nodes.iter().map(|n| proj.xy(n.lon, n.lat)).collect();
    let vmax = nodes
        .iter()
        .map(|n| n.peak.max(n.value))
        .fold(0.0, f64::max);
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| nodes[b].peak.total_cmp(&nodes[a].peak).then(a.cmp(&b)));

    let mut s = format!(
        "<svg id=\"map-svg\" class=\"map\" viewBox=\"0 0 {W:.0} {h:.0}\" role=\"img\" aria-label=\"Network map\"><rect class=\"map-bg\" x=\"0.5\" y=\"0.5\" width=\"{:.0}\" height=\"{:.0}\" rx=\"6\"/>",
        W - 1.0,
        h - 1.0
    );
    let outlines_svg = outlines::svg_paths(
        &outlines::world(),
        |lon, lat| proj.xy(lon, lat),
        proj.lonlat_box(),
        (1.0, 1.0, W - 1.0, h - 1.0),
    );
    let coast = outlines_svg.contains("class=\"coast\"");
    let borders = outlines_svg.contains("class=\"border\"");
    s.push_str(&outlines_svg);
    s.push_str("<g class=\"links\">");
    for l in spec.links {
        let (Some(a), Some(b)) = (pos.get(l.from), pos.get(l.to)) else {
            continue;
        };
        let _ = write!(
            s,
            "<line class=\"link\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"><title>{}</title></line>",
            a.0,
            a.1,
            b.0,
            b.1,
            esc(&l.title)
        );
    }
    s.push_str("</g><g class=\"nodes\">");
    for &i in &order {
        let n = &nodes[i];
        let (x, y) = pos[i];
        let color = n.role.color();
        let r = radius(n.value, vmax);
        let class = if n.value > 0.0 { "mark" } else { "mark empty" };
        let label = if n.detail.is_empty() {
            n.name.clone()
        } else {
            format!("{} ({})", n.name, n.detail)
        };
        let _ = write!(
            s,
            "<g class=\"node\" data-x=\"{x:.1}\" data-y=\"{y:.1}\" data-label=\"{}\">",
            esc(&label)
        );
        if n.role == Role::Port {
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
            "<title>{}: {} {}</title></g>",
            esc(&label),
            num(n.value.round(), 0),
            esc(&spec.value_label)
        );
    }
    s.push_str("</g>");
    let legend_box = size_legend_box(vmax, h);
    let cands: Vec<LabelCand> = order
        .iter()
        .map(|&i| LabelCand {
            node: i,
            x: pos[i].0,
            y: pos[i].1,
            r: radius(nodes[i].peak.max(nodes[i].value), vmax),
            w: label_width(&nodes[i].name),
        })
        .collect();
    let discs: Vec<(f64, f64, f64)> = cands.iter().map(|c| (c.x, c.y, c.r)).collect();
    let placed = place_labels(
        &cands,
        &discs,
        &legend_box.into_iter().collect::<Vec<_>>(),
        (2.0, 2.0, W - 2.0, h - 2.0),
    );
    let mut labelled = 0;
    s.push_str("<g class=\"labels\">");
    for (c, p) in cands.iter().zip(&placed) {
        let Some(p) = p else { continue };
        labelled += 1;
        if let Some((x1, y1, x2, y2)) = p.leader {
            let _ = write!(
                s,
                "<line class=\"leader\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\"/>"
            );
        }
        let _ = write!(
            s,
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            p.rect.0,
            p.rect.3 - DESCENT,
            esc(&nodes[c.node].name)
        );
    }
    s.push_str("</g>");
    s.push_str(&size_legend(vmax, h));
    s.push_str("</svg>");
    DrawnMap {
        svg: s,
        order,
        labelled,
        coast,
        borders,
    }
}

/// The legend of the roles present among `nodes`, in a fixed order, and of
/// the outlines `drawn` shows.
pub fn role_legend(nodes: &[MapNode], drawn: &DrawnMap) -> String {
    let mut roles: Vec<Role> = nodes.iter().map(|n| n.role).collect();
    roles.sort();
    roles.dedup();
    let mut items: Vec<LegendItem> = roles
        .iter()
        .map(|r| LegendItem {
            name: r.label().to_string(),
            color: r.color().to_string(),
            mark: if *r == Role::Port {
                Mark::Diamond
            } else {
                Mark::Dot
            },
        })
        .collect();
    if drawn.coast {
        items.push(LegendItem {
            name: "coastline".into(),
            color: "#8fb3c9".into(),
            mark: Mark::Line,
        });
    }
    if drawn.borders {
        items.push(LegendItem {
            name: "border".into(),
            color: "#9aa3aa".into(),
            mark: Mark::Dash,
        });
    }
    legend(&items)
}

fn label_width(name: &str) -> f64 {
    CHAR_W * name.chars().count() as f64 + 2.0
}

/// A label to place: for node `node` at (x, y) with radius `r`, `w` px wide.
#[derive(Debug, Clone, Copy)]
struct LabelCand {
    node: usize,
    x: f64,
    y: f64,
    r: f64,
    w: f64,
}

/// A placed label: its box (x0, y0, x1, y1; text starts at x0) and, when it
/// sits away from its node, a leader line from the node's edge.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Placed {
    rect: outlines::Rect,
    leader: Option<(f64, f64, f64, f64)>,
}

fn rects_overlap(a: &outlines::Rect, b: &outlines::Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

fn rect_hits_disc(a: &outlines::Rect, (cx, cy, r): (f64, f64, f64)) -> bool {
    let dx = cx - cx.clamp(a.0, a.2);
    let dy = cy - cy.clamp(a.1, a.3);
    dx * dx + dy * dy < r * r
}

/// Greedy label placement in the order given (callers put the biggest node
/// first). Each label tries eight positions around its node (right, left, above,
/// below, then the diagonals), first touching the node, then in two rings
/// further out (with a leader line); it takes the first position inside
/// `bounds` that overlaps no placed label, no `blocked` box and no disc other
/// than its own node's. `discs[i]` is (x, y, r) of candidate i. A label that
/// fits nowhere gets `None`.
fn place_labels(
    cands: &[LabelCand],
    discs: &[(f64, f64, f64)],
    blocked: &[outlines::Rect],
    bounds: outlines::Rect,
) -> Vec<Option<Placed>> {
    let mut taken: Vec<outlines::Rect> = Vec::new();
    let mut out = Vec::with_capacity(cands.len());
    for (i, c) in cands.iter().enumerate() {
        let mut found = None;
        'rings: for (ring, gap) in [2.0, 12.0, 24.0].into_iter().enumerate() {
            let d = c.r + gap;
            let e = d * std::f64::consts::FRAC_1_SQRT_2;
            let hh = LABEL_H / 2.0;
            // (x0, y0) of the box for each position.
            let spots = [
                (c.x + d, c.y - hh),
                (c.x - d - c.w, c.y - hh),
                (c.x - c.w / 2.0, c.y - d - LABEL_H),
                (c.x - c.w / 2.0, c.y + d),
                (c.x + e, c.y - e - LABEL_H),
                (c.x + e, c.y + e),
                (c.x - e - c.w, c.y - e - LABEL_H),
                (c.x - e - c.w, c.y + e),
            ];
            for (x0, y0) in spots {
                let b = (x0, y0, x0 + c.w, y0 + LABEL_H);
                let inside =
                    b.0 >= bounds.0 && b.1 >= bounds.1 && b.2 <= bounds.2 && b.3 <= bounds.3;
                if !inside
                    || taken.iter().any(|t| rects_overlap(&b, t))
                    || blocked.iter().any(|t| rects_overlap(&b, t))
                    || discs
                        .iter()
                        .enumerate()
                        .any(|(j, &dsc)| j != i && rect_hits_disc(&b, dsc))
                {
                    continue;
                }
                let leader = (ring > 0).then(|| {
                    // From the node's edge towards the nearest point of the box.
                    let (px, py) = (c.x.clamp(b.0, b.2), c.y.clamp(b.1, b.3));
                    let (dx, dy) = (px - c.x, py - c.y);
                    let len = (dx * dx + dy * dy).sqrt().max(1e-9);
                    (c.x + dx / len * c.r, c.y + dy / len * c.r, px, py)
                });
                found = Some(Placed { rect: b, leader });
                break 'rings;
            }
        }
        if let Some(p) = found {
            taken.push(p.rect);
        }
        out.push(found);
    }
    out
}

/// The two reference values of the size legend (big, small); zeros when there
/// is nothing to show.
fn size_legend_values(vmax: f64) -> (f64, f64) {
    let big = round_nice_down(vmax);
    (big, round_nice_down(big / 8.0))
}

/// The box the size legend occupies (labels keep out of it).
fn size_legend_box(vmax: f64, h: f64) -> Option<outlines::Rect> {
    let (big, _) = size_legend_values(vmax);
    (big > 0.0).then(|| {
        let r = radius(big, vmax);
        (
            8.0,
            h - 14.0 - 2.0 * r - 14.0,
            20.0 + 2.0 * R_MAX + 6.0 + 110.0,
            h - 4.0,
        )
    })
}

/// Reference circles in the lower left corner, nested and bottom-aligned.
fn size_legend(vmax: f64, h: f64) -> String {
    let (big, small) = size_legend_values(vmax);
    if big <= 0.0 {
        return String::new();
    }
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

/// The role of the place `name` of `kind` in a run's network (a port, or a
/// border city named by a port), for tables that name kinds like the map does.
pub fn role_in(net: Option<&Network>, name: &str, kind: &str) -> Role {
    let Some(net) = net else {
        return Role::of(kind, false, false);
    };
    let is_port = net.port_names().iter().any(|p| p == name);
    let is_border_city = net
        .ports
        .iter()
        .any(|p| p.get("border_city").and_then(|v| v.as_str()) == Some(name));
    let role = Role::of(kind, is_port, is_border_city);
    if net.ports.is_empty() {
        role
    } else {
        role.in_corridor()
    }
}

/// Draws a run directory's network with its people; `None` when no node has
/// coordinates.
pub fn network_map(net: &Network, run: &RunData) -> Option<MapOut> {
    if net.nodes.is_empty() {
        return None;
    }
    let ports: HashSet<String> = net.port_names().into_iter().collect();
    let border_cities: HashSet<&str> = net
        .ports
        .iter()
        .filter_map(|p| p.get("border_city").and_then(|v| v.as_str()))
        .collect();
    // People at a port are mostly in its queue: a port's size counts both.
    let series: Vec<Vec<Pt>> = net
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
    let last_day = frame_days.last().copied();
    let date_of = |d: i64| match run.day0 {
        Some(d0) => Date(d0 + d).to_string(),
        None => format!("day {d}"),
    };
    let last_label = last_day.map(date_of).unwrap_or_default();
    let corridor = !run.is_flee() && !ports.is_empty();

    let nodes: Vec<MapNode> = net
        .nodes
        .iter()
        .zip(&series)
        .map(|(n, s)| {
            let flee_role = Role::of(
                &n.kind,
                ports.contains(&n.name),
                border_cities.contains(n.name.as_str()),
            );
            // A corridor scenario (one with ports) speaks in the corridor's terms.
            let role = if corridor {
                flee_role.in_corridor()
            } else {
                flee_role
            };
            let mut detail = role.label().to_string();
            for extra in [&n.region, &n.country] {
                if !extra.is_empty() && extra != &n.name {
                    detail.push_str(", ");
                    detail.push_str(extra);
                }
            }
            MapNode {
                name: n.name.clone(),
                lat: n.lat,
                lon: n.lon,
                role,
                value: last_day.map(|d| value_on(s, d)).unwrap_or(0.0),
                peak: s.iter().map(|p| p.mid).fold(0.0, f64::max),
                detail,
            }
        })
        .collect();
    let index = |name: &str| net.nodes.iter().position(|n| n.name == name);
    let links: Vec<MapLink> = net
        .links
        .iter()
        .filter_map(|l| {
            let dist = l
                .distance_km
                .map(|d| format!(": {} km", num(d, 1)))
                .unwrap_or_default();
            Some(MapLink {
                from: index(&l.from)?,
                to: index(&l.to)?,
                title: format!("{} – {}{dist}", l.from, l.to),
            })
        })
        .collect();
    let drawn = draw_map(&MapSpec {
        nodes: &nodes,
        links: &links,
        value_label: format!("people on {last_label}"),
    });

    let what = if run.ensemble {
        "the people (median of the runs)"
    } else {
        "the people"
    };
    let queue = if nodes.iter().any(|n| n.role == Role::Port) {
        " (at a port of entry: in its queue too)"
    } else {
        ""
    };
    let mut html = format!(
        "<p class=\"note\">Node area is proportional to {what} at the location{queue} on the \
         day shown (printed: the last day, {}); lines are links. {} of {} places are labelled \
         (the biggest first, where a label fits); hover a node for its name and count. \
         Coastlines and borders: Natural Earth.</p>",
        esc(&last_label),
        drawn.labelled,
        nodes.len()
    );
    let _ = write!(
        html,
        "<div id=\"map-controls\" hidden><label for=\"map-day\">Day</label><input type=\"range\" id=\"map-day\" min=\"0\" max=\"{}\" step=\"1\" value=\"{}\"><span id=\"map-day-label\">{}</span></div>",
        frame_days.len().saturating_sub(1),
        frame_days.len().saturating_sub(1),
        esc(&last_label)
    );
    html.push_str(&drawn.svg);
    html.push_str(&role_legend(&nodes, &drawn));
    if net.without_coordinates > 0 {
        let _ = write!(
            html,
            "<p class=\"note\">{} location(s) without coordinates are not drawn.</p>",
            net.without_coordinates
        );
    }

    let vmax = nodes.iter().map(|n| n.peak).fold(0.0, f64::max);
    let frames: Vec<Vec<i64>> = frame_days
        .iter()
        .map(|&d| {
            drawn
                .order
                .iter()
                .map(|&i| value_on(&series[i], d).round() as i64)
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

    #[test]
    fn roles_speak_the_corridors_terms() {
        assert_eq!(Role::of("camp", false, true), Role::BorderCity);
        assert_eq!(Role::of("camp", false, false), Role::Camp);
        assert_eq!(Role::of("town", true, false), Role::Port);
        assert_eq!(Role::of("port", false, false), Role::Port);
        assert_eq!(
            Role::of("conflict_zone", false, false).label(),
            "conflict zone"
        );
        assert_ne!(Role::BorderCity.color(), Role::Camp.color());
        assert_eq!(Role::Camp.in_corridor().label(), "shelter town");
        assert_eq!(Role::ConflictZone.in_corridor().label(), "place of origin");
        assert_eq!(Role::BorderCity.in_corridor(), Role::BorderCity);
    }

    fn cand(node: usize, x: f64, y: f64, r: f64, w: f64) -> LabelCand {
        LabelCand { node, x, y, r, w }
    }

    /// A crowded cluster (like Tijuana, San Ysidro, Tecate and Calexico): no
    /// two placed labels overlap, none covers another node, all stay inside,
    /// and the biggest node is labelled right beside it.
    #[test]
    fn labels_never_overlap_and_the_biggest_come_first() {
        let mut cands = vec![cand(0, 100.0, 100.0, 20.0, 60.0)];
        for k in 1..30 {
            let a = k as f64 * 0.9;
            cands.push(cand(
                k,
                100.0 + a.cos() * (8.0 + 2.0 * k as f64),
                100.0 + a.sin() * (8.0 + 2.0 * k as f64),
                3.0,
                50.0,
            ));
        }
        let discs: Vec<(f64, f64, f64)> = cands.iter().map(|c| (c.x, c.y, c.r)).collect();
        let bounds = (0.0, 0.0, 300.0, 220.0);
        let placed = place_labels(&cands, &discs, &[], bounds);
        let boxes: Vec<(usize, outlines::Rect)> = placed
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| (i, p.rect)))
            .collect();
        assert!(boxes.len() >= 8, "only {} labels placed", boxes.len());
        assert!(boxes.len() < cands.len(), "the test should crowd the map");
        for (a, (i, ra)) in boxes.iter().enumerate() {
            assert!(ra.0 >= 0.0 && ra.1 >= 0.0 && ra.2 <= 300.0 && ra.3 <= 220.0);
            for (j, rb) in &boxes[a + 1..] {
                assert!(!rects_overlap(ra, rb), "labels {i} and {j} overlap");
            }
            for (j, d) in discs.iter().enumerate() {
                assert!(
                    j == *i || !rect_hits_disc(ra, *d),
                    "label {i} covers node {j}"
                );
            }
        }
        let first = placed[0].expect("the biggest node is labelled");
        assert!(first.leader.is_none(), "and sits beside its node");
        // Alone, a label goes right of its node, touching it.
        let alone = place_labels(&cands[..1], &discs[..1], &[], bounds)[0].unwrap();
        assert_eq!(alone.rect.0, 100.0 + 20.0 + 2.0);
    }

    #[test]
    fn labels_keep_out_of_blocked_boxes_and_bounds() {
        let cands = [cand(0, 10.0, 10.0, 3.0, 40.0)];
        let discs = [(10.0, 10.0, 3.0)];
        // The right-hand spot is blocked and the left one is outside: another
        // spot is taken.
        let blocked = [(12.0, 0.0, 60.0, 16.0)];
        let p = place_labels(&cands, &discs, &blocked, (0.0, 0.0, 200.0, 200.0))[0].unwrap();
        assert!(!rects_overlap(&p.rect, &blocked[0]));
        assert!(p.rect.0 >= 0.0 && p.rect.1 >= 0.0);
        // No room at all: no label.
        let none = place_labels(&cands, &discs, &[], (0.0, 0.0, 20.0, 20.0));
        assert!(none[0].is_none());
    }

    #[test]
    fn overlap_tests() {
        assert!(rects_overlap(&(0.0, 0.0, 2.0, 2.0), &(1.0, 1.0, 3.0, 3.0)));
        assert!(!rects_overlap(&(0.0, 0.0, 2.0, 2.0), &(2.0, 0.0, 3.0, 2.0)));
        assert!(rect_hits_disc(&(0.0, 0.0, 2.0, 2.0), (3.0, 1.0, 1.5)));
        assert!(!rect_hits_disc(&(0.0, 0.0, 2.0, 2.0), (3.0, 3.0, 1.0)));
    }

    /// Projection: north is up, east is right, and the places fill the drawing
    /// inside its padding; the outlines drawn are clipped to it.
    #[test]
    fn projection_and_outlines_fit_the_drawing() {
        let node = |name: &str, lat: f64, lon: f64, peak: f64| MapNode {
            name: name.into(),
            lat,
            lon,
            role: Role::Town,
            value: peak,
            peak,
            detail: String::new(),
        };
        let nodes = vec![
            node("Tapachula", 14.9, -92.26, 500.0),
            node("Tijuana", 32.5, -117.0, 2000.0),
            node("Matamoros", 25.87, -97.5, 100.0),
        ];
        let p = Projection::fit(&nodes);
        let (tx, ty) = p.xy(-117.0, 32.5);
        let (ax, ay) = p.xy(-92.26, 14.9);
        assert!(tx < ax && ty < ay, "Tijuana is north-west of Tapachula");
        for n in &nodes {
            let (x, y) = p.xy(n.lon, n.lat);
            assert!((PAD - 1e-6..=W - PAD + 1e-6).contains(&x), "{x}");
            assert!((PAD - 1e-6..=p.h - PAD + 1e-6).contains(&y), "{y}");
        }
        let m = draw_map(&MapSpec {
            nodes: &nodes,
            links: &[MapLink {
                from: 0,
                to: 1,
                title: "a – b".into(),
            }],
            value_label: "people".into(),
        });
        assert!(m.svg.contains("class=\"coast\"") && m.svg.contains("class=\"border\""));
        assert!(m.coast && m.borders);
        let legend = role_legend(&nodes, &m);
        assert!(legend.contains("town") && legend.contains("coastline"));
        assert!(!legend.contains("camp"));
        // Every outline coordinate lies in the drawing.
        let path = m.svg.split("class=\"coast\" d=\"").nth(1).unwrap();
        let d = path.split('"').next().unwrap();
        for pair in d.split(['M', 'L']).filter(|t| !t.is_empty()) {
            let mut it = pair.split(' ').map(|v| v.parse::<f64>().unwrap());
            let (x, y) = (it.next().unwrap(), it.next().unwrap());
            assert!((1.0..=W - 1.0).contains(&x) && (1.0..=p.h - 1.0).contains(&y));
        }
        assert_eq!(m.labelled, 3);
        assert_eq!(m.order, vec![1, 0, 2]);
    }
}
