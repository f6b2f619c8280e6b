// Converts Natural Earth outlines from the npm package `world-atlas` (TopoJSON)
// into `outlines.txt`, the compact polyline file that corridor-report embeds
// (see src/outlines.rs for the format and LICENSE-outlines.md for the licences).
//
// Run once, by hand, when the outlines should change; the output is committed:
//   npm install world-atlas@2.0.2
//   node crates/corridor-report/assets/build-outlines.mjs \
//        node_modules/world-atlas/countries-50m.json > crates/corridor-report/assets/outlines.txt
//
// Coastlines are the arcs of the `land` object; borders are the arcs of the
// `countries` object that `land` does not use (shared by two countries). Points
// are quantised to 1/Q degree, simplified (Douglas-Peucker, tolerance TOL
// degrees), and written as the first point followed by deltas, so the file stays
// small. No dependencies beyond Node.
import { readFileSync } from "node:fs";

const Q = 50; // units per degree (0.02° ≈ 2 km: below a pixel on a country-sized map)
const TOL = 0.03; // simplification tolerance in degrees

const file = process.argv[2];
if (!file) {
  console.error("usage: node build-outlines.mjs countries-50m.json > outlines.txt");
  process.exit(2);
}
const topo = JSON.parse(readFileSync(file, "utf8"));
const [sx, sy] = topo.transform.scale;
const [tx, ty] = topo.transform.translate;

// Decodes one arc (delta-encoded, quantised) into [lon, lat] pairs.
const decoded = topo.arcs.map((arc) => {
  let x = 0, y = 0;
  return arc.map(([dx, dy]) => {
    x += dx;
    y += dy;
    return [x * sx + tx, y * sy + ty];
  });
});

// Arc indices used by an object's geometries (negative index ~i = arc i reversed).
function arcsOf(obj) {
  const used = new Set();
  const walk = (a) => {
    if (typeof a === "number") used.add(a < 0 ? ~a : a);
    else a.forEach(walk);
  };
  const geoms = obj.type === "GeometryCollection" ? obj.geometries : [obj];
  for (const g of geoms) if (g.arcs) walk(g.arcs);
  return used;
}
const land = arcsOf(topo.objects.land);
const countries = arcsOf(topo.objects.countries);

function perpDist(p, a, b) {
  const [x, y] = p, [x1, y1] = a, [x2, y2] = b;
  const dx = x2 - x1, dy = y2 - y1;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return Math.hypot(x - x1, y - y1);
  const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / len2));
  return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy));
}
function simplify(pts) {
  if (pts.length < 3) return pts;
  const keep = new Array(pts.length).fill(false);
  keep[0] = keep[pts.length - 1] = true;
  const stack = [[0, pts.length - 1]];
  while (stack.length) {
    const [i, j] = stack.pop();
    let best = -1, dmax = 0;
    for (let k = i + 1; k < j; k++) {
      const d = perpDist(pts[k], pts[i], pts[j]);
      if (d > dmax) { dmax = d; best = k; }
    }
    if (dmax > TOL) {
      keep[best] = true;
      stack.push([i, best], [best, j]);
    }
  }
  return pts.filter((_, k) => keep[k]);
}

const lines = [];
let points = 0;
for (let i = 0; i < decoded.length; i++) {
  const kind = land.has(i) ? "c" : countries.has(i) ? "b" : null;
  if (!kind) continue;
  const q = [];
  for (const [lon, lat] of simplify(decoded[i])) {
    const p = [Math.round(lon * Q), Math.round(lat * Q)];
    const last = q[q.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) q.push(p);
  }
  if (q.length < 2) continue;
  const out = [kind, q[0][0], q[0][1]];
  for (let k = 1; k < q.length; k++) out.push(q[k][0] - q[k - 1][0], q[k][1] - q[k - 1][1]);
  points += q.length;
  lines.push(out.join(" "));
}
process.stdout.write(
  `# corridor outlines v1: Natural Earth ${file.replace(/.*\//, "").replace(".json", "")} via world-atlas 2.0.2\n` +
    `# units per degree: ${Q}; simplified to ${TOL} degrees; ${lines.length} polylines, ${points} points\n` +
    `# line: kind (c = coastline, b = land border), lon lat of the first point, then (dlon dlat) deltas\n` +
    `q ${Q}\n` +
    lines.join("\n") +
    "\n",
);
