#!/usr/bin/env python3
"""Builds the built-in scenario `scenarios/mexico-2023/` (Tapachula -> US border,
winter 2023-24) from the corridor fact sheet.

Inputs (read-only):
  * the three CSVs of the fact sheet, copied into `scenarios/mexico-2023/data/`
    (from `/work/shared/data/corridor/` or `--facts DIR` when that folder exists,
    otherwise the copies already in `data/` are used, so the script is re-runnable
    from the repository alone);
  * the figures of FACTS.md transcribed below, each with its source tag.

Outputs (all generated, committed), in the format read by
`corridor_io::scenario::read_scenario` (docs/scenario-format.md): `scenario.toml`,
`locations.csv`, `routes.csv`, `ports.csv`, `checkpoints.csv`, `crossings.csv`,
`inflows.csv`, `data/timeline_2023-24.csv`, the copies `data/nodes_inegi2020.csv`,
`data/edges_greatcircle_km.csv`, `data/cbp_monthly_to_2023-09.csv`, and the generated
block of `SOURCES.md` (between the BEGIN/END GENERATED markers; the prose around it
is hand-written).

Invariants: every number written to a scenario file is created through `num()`
(or is a per-row value whose column is documented with `column()`), so the
sources table lists every number with its source tag, or marks it `estimate` /
`calibrated` with the reasoning. No encounter data after September 2023 is read
or written. Output is deterministic (no dates of the run, fixed ordering) and
files are written atomically.

Usage: python3 scenarios/tools/build_mexico_2023.py [--facts DIR] [--check]
  --check  regenerate into memory and fail (exit 1) if any committed file differs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, "scenarios", "mexico-2023")
DATA = os.path.join(OUT, "data")
SHARED_FACTS = "/work/shared/data/corridor"

# ---------------------------------------------------------------------------
# The sources registry: every number goes through here.
# ---------------------------------------------------------------------------

SOURCED, DERIVED, ESTIMATE, CALIBRATED = "sourced", "derived", "estimate", "calibrated"


@dataclass
class Entry:
    key: str
    value: str
    status: str
    source: str
    note: str


REGISTRY: list[Entry] = []


def fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v}"
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return f"{int(v)}"
        return repr(v)  # shortest text that reads back as the same float
    return str(v)


def num(key: str, value, status: str, source: str = "", note: str = ""):
    """Registers one number of the scenario and returns it unchanged."""
    assert status in (SOURCED, DERIVED, ESTIMATE, CALIBRATED), status
    if status in (SOURCED, DERIVED):
        assert source, f"{key}: a sourced/derived number needs a source tag"
    if status in (ESTIMATE, CALIBRATED):
        assert note, f"{key}: an estimate needs its reasoning"
    REGISTRY.append(Entry(key, fmt(value), status, source, note))
    return value


def column(key: str, status: str, source: str, note: str):
    """Registers a per-row column whose values are documented row by row in its file."""
    REGISTRY.append(Entry(key, "per row", status, source, note))


# ---------------------------------------------------------------------------
# Window
# ---------------------------------------------------------------------------

START = dt.date(2023, 6, 1)
END = dt.date(2024, 3, 31)  # last simulated day
REPORT_FROM = dt.date(2023, 10, 1)
CALIBRATION_MONTHS = ["2023-07", "2023-08", "2023-09"]
DAYS = (END - START).days + 1


def day_of(d: dt.date) -> int:
    return (d - START).days


def D(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def haversine_km(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def csv_text(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt(x) for x in r])
    return buf.getvalue()


def r6(x: float) -> float:
    return float(f"{x:.6g}")


# ---------------------------------------------------------------------------
# A. Source copies (the repository must be self-contained)
# ---------------------------------------------------------------------------

NODES_CSV = "nodes_inegi2020.csv"
EDGES_CSV = "edges_greatcircle_km.csv"
CBP_SOURCE_CSV = "cbp_sw_encounters_monthly_fy2020_fy2023.csv"
CBP_OBSERVED_CSV = "cbp_monthly_to_2023-09.csv"
LAST_OBSERVED_MONTH = (2023, 9)  # later months are out-of-sample: never read nor written


def source_texts(facts_dir: str | None) -> dict[str, str]:
    """The source CSVs as text: from the fact sheet folder when present, else the
    copies already committed under data/."""
    out = {}
    for name, copy in [(NODES_CSV, NODES_CSV), (EDGES_CSV, EDGES_CSV)]:
        src = os.path.join(facts_dir, name) if facts_dir else None
        path = src if src and os.path.exists(src) else os.path.join(DATA, copy)
        with open(path, encoding="utf-8") as f:
            out[copy] = f.read()
    src = os.path.join(facts_dir, CBP_SOURCE_CSV) if facts_dir else None
    if src and os.path.exists(src):
        with open(src, encoding="utf-8") as f:
            text = f.read()
        rows = list(csv.reader(io.StringIO(text)))
        header, body = rows[0], rows[1:]
        iy, im = header.index("calendar_year"), header.index("month")
        kept = [r for r in body if (int(r[iy]), int(r[im])) <= LAST_OBSERVED_MONTH]
        out[CBP_OBSERVED_CSV] = csv_text(header, kept)
    else:
        with open(os.path.join(DATA, CBP_OBSERVED_CSV), encoding="utf-8") as f:
            out[CBP_OBSERVED_CSV] = f.read()
    return out


def cbp_daily_means(cbp_text: str):
    """Mean encounters per day by area of responsibility (all titles) over
    Jul-Sep 2023 and over the pre-COVID months Oct 2019 - Feb 2020."""
    rows = list(csv.DictReader(io.StringIO(cbp_text)))
    months_q = [(2023, 7), (2023, 8), (2023, 9)]
    months_base = [(2019, 10), (2019, 11), (2019, 12), (2020, 1), (2020, 2)]

    def days(ms):
        n = 0
        for y, m in ms:
            n += ((dt.date(y + (m == 12), m % 12 + 1, 1)) - dt.date(y, m, 1)).days
        return n

    q, base, comp = {}, {}, {}
    for r in rows:
        ym = (int(r["calendar_year"]), int(r["month"]))
        assert ym <= LAST_OBSERVED_MONTH, "encounter data after Sep 2023 must not be used"
        aor = r["area_of_responsibility"]
        comp[aor] = r["component"]
        if ym in months_q:
            q[aor] = q.get(aor, 0) + int(r["encounters"])
        if ym in months_base:
            base[aor] = base.get(aor, 0) + int(r["encounters"])
    dq, db = days(months_q), days(months_base)
    return ({a: v / dq for a, v in q.items()}, {a: v / db for a, v in base.items()}, comp)


# ---------------------------------------------------------------------------
# B. Locations: towns and border cities (FACTS §1.1), ports (§2.1)
# ---------------------------------------------------------------------------

SECTOR = {  # border city -> USBP sector (FACTS §2.1, [gen.] except Eagle Pass [S11])
    "Tijuana": "San Diego Sector",
    "Tecate": "San Diego Sector",
    "Mexicali": "El Centro Sector",
    "San Luis Río Colorado": "Yuma Sector",
    "Sonoyta": "Tucson Sector",
    "Nogales": "Tucson Sector",
    "Agua Prieta": "Tucson Sector",
    "Ciudad Juárez": "El Paso Sector",
    "Ojinaga": "Big Bend Sector",
    "Ciudad Acuña": "Del Rio Sector",
    "Piedras Negras": "Del Rio Sector",
    "Nuevo Laredo": "Laredo Sector",
    "Reynosa": "Rio Grande Valley Sector",
    "Matamoros": "Rio Grande Valley Sector",
}


@dataclass
class Port:
    name: str
    city: str
    us_state: str
    lat: float
    lon: float
    field_office: str
    sector: str
    cbp_one: bool
    appointments: float = 0.0  # slots per day at 1,450/day
    walk_up_capacity: float = 0.0
    capacity: float = 0.0
    share: float = 0.0


# Port coordinates are approximate positions of the pedestrian crossings
# ([gen.], ~1 km); FACTS gives none. Field office / sector: FACTS §2.1.
PORTS = [
    Port("San Ysidro POE", "Tijuana", "California", 32.5420, -117.0300, "San Diego Field Office", "San Diego Sector", True),
    Port("Tecate POE", "Tecate", "California", 32.5766, -116.6275, "San Diego Field Office", "San Diego Sector", False),
    Port("Calexico POE", "Mexicali", "California", 32.6646, -115.4989, "San Diego Field Office", "El Centro Sector", True),
    Port("San Luis POE", "San Luis Río Colorado", "Arizona", 32.4857, -114.7822, "Tucson Field Office", "Yuma Sector", False),
    Port("Lukeville POE", "Sonoyta", "Arizona", 31.8806, -112.8166, "Tucson Field Office", "Tucson Sector", False),
    Port("Nogales POE", "Nogales", "Arizona", 31.3331, -110.9426, "Tucson Field Office", "Tucson Sector", True),
    Port("Douglas POE", "Agua Prieta", "Arizona", 31.3343, -109.5605, "Tucson Field Office", "Tucson Sector", False),
    Port("El Paso POE", "Ciudad Juárez", "Texas", 31.7520, -106.4880, "El Paso Field Office", "El Paso Sector", True),
    Port("Presidio POE", "Ojinaga", "Texas", 29.5607, -104.3719, "El Paso Field Office", "Big Bend Sector", False),
    Port("Del Rio POE", "Ciudad Acuña", "Texas", 29.3268, -100.9283, "Laredo Field Office", "Del Rio Sector", False),
    Port("Eagle Pass POE", "Piedras Negras", "Texas", 28.7090, -100.5040, "Laredo Field Office", "Del Rio Sector", True),
    Port("Laredo POE", "Nuevo Laredo", "Texas", 27.4996, -99.5077, "Laredo Field Office", "Laredo Sector", True),
    Port("Hidalgo POE", "Reynosa", "Texas", 26.0930, -98.2720, "Laredo Field Office", "Rio Grande Valley Sector", True),
    Port("Brownsville POE", "Matamoros", "Texas", 25.8990, -97.4970, "Laredo Field Office", "Rio Grande Valley Sector", True),
]

# Shelter beds (FACTS §3). Only cities with a capacity figure are shelters.
SHELTERS = {}


# (city, beds, status, tags, reasoning) for every shelter with a capacity figure.
SHELTER_FACTS = [
    ("Tapachula", 850, DERIVED, "[S78][S79]",
     "Albergue Belén 150 beds [S78] + Jesús el Buen Pastor 700 [S79] (designed for max 800 [S80]); "
     "other Tapachula shelters have no figure, so this is a lower bound."),
    ("Ciudad de México", 146, DERIVED, "[S83][S85]",
     "CAFEMIN capacity 100 [S83] + Casa Tochan 46 beds [S85]. CAFEMIN held 460 and ~6,000 migrants "
     "lived homeless in CDMX (~Jan 2024) [S85]: most people there are unsheltered."),
    ("Ciudad Juárez", 2000, SOURCED, "[S89]",
     "Shelter network >2,000 places (2019-21); includes CIM Leona Vicario 750 [S88]."),
    ("Tijuana", 3000, ESTIMATE, "[S90][S91]",
     "26 shelters, all full in Oct 2022 [S90]; no total capacity is reported. "
     "Estimate 26 x ~115 places (Juventud 2000 alone ~170 [S91])."),
    ("Reynosa", 4600, ESTIMATE, "[S92][S93]",
     "Senda de Vida I & II held 4,600 [S92] (>5,000 in Dec 2023 [S93]); occupancy used as capacity."),
    ("Matamoros", 850, SOURCED, "[S95]",
     "INM temporary outdoor shelter for up to 850 (Aug 25, 2023)."),
]


def shelters():
    for city, beds, status, tags, why in SHELTER_FACTS:
        SHELTERS[city] = num(f"shelter_capacity {city}", beds, status, tags, why)


RELOCATION_TOWNS = {"Tapachula", "Tuxtla Gutiérrez", "Villahermosa", "Acayucan", "Huixtla"}

# People already in the corridor on the start day (Flee's `initial_idps`).
INITIAL = {}


def initial_stocks():
    INITIAL["Tapachula"] = num(
        "initial people Tapachula (2023-06-01)", 20000, ESTIMATE, "[S113][S82][S40]",
        "People waiting for COMAR: Tapachula filed 60,496 applications Jan-Sep 2023 (~220/day) [S113] and "
        "formal access took 8-10 weeks [S113] -> ~13,000 waiting (Little's law, 220/day x 63 days), "
        "plus people in transit. Consistent with 8,152 moved out of the COMAR crowd on Sep 26 [S82] and "
        "~40,000 'trapped' in Mar 2024 [S40]. Calibrated with the warm-up.")
    INITIAL["Ciudad de México"] = num(
        "initial people Ciudad de México (2023-06-01)", 5000, ESTIMATE, "[S85][S86]",
        "~6,000 migrants homeless in CDMX around Jan 2024 [S85]; improvised camps in May 2023 [S86]. "
        "Rounded down for June 2023.")
    for city, n, tag, note in [
        ("Reynosa", 10000, "[S93][S92]",
         ">10,000 remained in Reynosa in Dec 2023 [S93]; ~16,000 waiting for CBP One (undated) [S92]."),
        ("Matamoros", 3000, "[S94][S95]", "Tent shelters of 600-850 plus 'thousands still in camps' in Aug 2023."),
        ("Tijuana", 3000, "[S90]", "Shelters full; taken equal to the estimated shelter capacity."),
        ("Ciudad Juárez", 2000, "[S64][S89]", "Leona Vicario saturated in Aug 2023 [S64]; equal to shelter capacity [S89]."),
        ("Piedras Negras", 1000, "[S96]", "Frontera Digna saturated; >2,000 arrived in one weekend (Sep)."),
        ("Nuevo Laredo", 1000, "", "No figure; CBP One city of the Laredo FO."),
        ("Mexicali", 500, "", "No figure; CBP One city (Calexico)."),
        ("Nogales", 500, "", "No figure; CBP One city."),
    ]:
        INITIAL[city] = num(f"initial people {city} (2023-06-01)", n, ESTIMATE, tag, note + " Calibrated with the warm-up.")
    # The Mexican side held >11,000 in shelters and camps on Dec 27, 2023 [S17b]: the
    # border stocks above (21,000) are of that order once Reynosa's camps are counted.


def camp_capacities():
    """Flee camp capacities (a route's weight falls to 0 as its end fills up)."""
    oj = num(
        "capacity Ojinaga (Flee camp capacity)", 50, CALIBRATED, "",
        "Ojinaga is 229 km from Chihuahua against 373 km to Ciudad Juárez, so with the same camp_weight it drew "
        "~60% of the route choices from Chihuahua and the Big Bend Sector had 13x its Jul-Sep 2023 encounters "
        "(model 20,060 vs CBP 1,532). Ojinaga has no shelter and no CBP One port; the format has no per-city "
        "attractiveness, so Flee's camp capacity limits the people waiting there (about 1.8x CBP with 50). "
        "Initial value.")
    return {"Ojinaga": oj}


def build_locations(nodes_text: str):
    shelters()
    initial_stocks()
    nodes = list(csv.DictReader(io.StringIO(nodes_text)))
    rows = []
    for n in nodes:
        name = n["node"]
        pop = n["locality_pop_2020"] or n["municipality_pop_2020"]
        rows.append({
            "name": name,
            "region": n["state"],
            "country": "Mexico",
            "lat": float(n["lat"]),
            "lon": float(n["lon"]),
            # Border cities are Flee camps: people who reach them stay (camp_movechance) to
            # wait for an appointment or cross; corridor towns are towns.
            "kind": "camp" if n["type"] == "border" else "town",
            "note": f"border city ({SECTOR[name]})" if n["type"] == "border"
            else n["type"] + (" (INM relocation destination)" if name in RELOCATION_TOWNS else ""),
            "population": int(pop),
            "shelter_capacity": SHELTERS.get(name, ""),
            "initial_people": INITIAL.get(name, 0),
        })
    names = {r["name"] for r in rows}
    assert all(k in names for k in list(SHELTERS) + list(INITIAL) + list(SECTOR)), "unknown town"
    caps = camp_capacities()
    assert all(k in names for k in caps), "unknown town"
    for r in rows:
        r["capacity"] = caps.get(r["name"], "")
    for p in PORTS:
        rows.append({
            "name": p.name, "region": p.us_state, "country": "United States",
            "lat": p.lat, "lon": p.lon, "kind": "port", "note": f"port of entry of {p.city}", "population": 0,
            "shelter_capacity": "", "initial_people": 0, "capacity": "",
        })
    column("locations.csv lat, lon (towns, border cities)", SOURCED, "[S1]",
           "INEGI 2020 locality point from nodes_inegi2020.csv; Ciudad de México = Zócalo [est.].")
    column("locations.csv population", SOURCED, "[S1]",
           "INEGI 2020 locality population; Ciudad de México has no single locality: entity total 9,209,944.")
    column("locations.csv lat, lon (ports)", ESTIMATE, "[gen.]",
           "Approximate position of each port's pedestrian crossing (~1 km); FACTS gives no port coordinates.")
    return rows


# ---------------------------------------------------------------------------
# C. Routes (FACTS §1.2-1.3)
# ---------------------------------------------------------------------------

DETOUR = num("detour factor (road km / great-circle km)", 1.2, DERIVED, "FACTS §1.2",
             "Median of 15 road/GC pairs is 1.17 (IQR 1.14-1.23); 1.2 is the fact sheet's default [est.].")

# Rows of edges_greatcircle_km.csv that are long-range checks, not segments of the
# network (FACTS §1.2 puts them in parentheses or under 'long-range checks').
NOT_SEGMENTS = {
    ("Tapachula", "Arriaga"), ("Tapachula", "San Pedro Tapanatepec"), ("Tapachula", "Juchitán"),
    ("Tapachula", "Mapastepec"), ("Tapachula", "Ciudad de México"), ("Chihuahua", "Ciudad de México"),
    ("Huixtla", "Nuevo Laredo"), ("Huixtla", "Tijuana"), ("Ciudad de México", "Ciudad Juárez"),
    ("Ciudad de México", "Tijuana"), ("Ciudad de México", "Reynosa"),
    ("Ciudad de México", "Piedras Negras"), ("Ciudad de México", "Nuevo Laredo"),
    ("Ciudad de México", "Matamoros"),
    # Same road as San Luis Potosí - Matehuala - Saltillo (Hwy 57/57D); keeping both
    # would double the corridor. The reported 448 km [S56] checks the two legs.
    ("San Luis Potosí", "Saltillo"),
}

# Reported road/walking distances for a segment (FACTS §1.2 table), with tag.
REPORTED = {
    ("Ciudad Hidalgo", "Tapachula"): (43, "[S43]", "walking route, >14 h for a caravan"),
    ("Tapachula", "Huixtla"): (40, "[S45][S46]", "'about 40 km' (another report says ~50 [S38])"),
    ("Huixtla", "Mapastepec"): (64, "[S47b]", "~64 km"),
    ("Mapastepec", "Pijijiapan"): (43, "[S38]", "'about 18 hours walking'"),
    ("La Ventosa", "Juchitán"): (30, "[S44]", "the La Ventosa checkpoint is 'about 30 km' from Juchitán"),
    ("Tapachula", "Tuxtla Gutiérrez"): (400, "[S60]", "~400 km bus route (mountain road)"),
    ("Ciudad de México", "Querétaro"): (213, "[S53]", "toll road"),
    ("Chihuahua", "Ciudad Juárez"): (373, "[S55]", "road"),
}

# `mode` is descriptive only (the model does not use it): "rail" where FACTS §1.2 labels a
# segment "(rail)", "road+rail" where it says "rail/road" or §1.3 reports migrants on
# trains along it ([S61]-[S64]), "road" otherwise.
RAIL = {
    ("Palenque", "Las Choapas"), ("Las Choapas", "Coatzacoalcos"), ("Orizaba", "Apizaco"),
    ("Apizaco", "Huehuetoca"), ("Huehuetoca", "Querétaro"), ("Querétaro", "Celaya"),
    ("Celaya", "Irapuato"),
}
ROAD_AND_RAIL = {
    ("Juchitán", "Ciudad Ixtepec"), ("Ciudad Ixtepec", "Matías Romero"), ("Matías Romero", "Acayucan"),
    ("Acayucan", "Coatzacoalcos"), ("Acayucan", "Tierra Blanca"), ("Tierra Blanca", "Orizaba"),
    ("Irapuato", "Aguascalientes"), ("Aguascalientes", "Zacatecas"), ("Zacatecas", "Torreón"),
    ("Torreón", "Chihuahua"), ("Chihuahua", "Ciudad Juárez"), ("Saltillo", "Torreón"),
    ("Monterrey", "Monclova"), ("Saltillo", "Monclova"), ("Monclova", "Piedras Negras"),
    ("Tenosique", "Palenque"), ("Palenque", "Villahermosa"), ("Villahermosa", "Coatzacoalcos"),
    ("Monterrey", "Nuevo Laredo"),
}


def build_routes(edges_text: str, locations):
    edges = list(csv.DictReader(io.StringIO(edges_text)))
    loc = {r["name"]: r for r in locations}
    rows = []
    for e in edges:
        a, b = e["from"], e["to"]
        if (a, b) in NOT_SEGMENTS:
            continue
        gc = float(e["great_circle_km"])
        if (a, b) in REPORTED:
            km, tag, _ = REPORTED[(a, b)]
            src = tag
        else:
            km, src = round(DETOUR * gc, 1), "est. 1.2×GC"
        mode = "rail" if (a, b) in RAIL else "road+rail" if (a, b) in ROAD_AND_RAIL else "road"
        rows.append([a, b, float(km), src, gc, mode])
    # Each port hangs off its border city by a short road link.
    for p in PORTS:
        c = loc[p.city]
        gc = haversine_km(c["lat"], c["lon"], p.lat, p.lon)
        km = max(1.0, round(DETOUR * gc, 1))
        rows.append([p.city, p.name, km, "est. 1.2×GC", round(gc, 1), "road"])
    for a, b, *_ in rows:
        assert a in loc and b in loc, (a, b)
    column("routes.csv distance_km", SOURCED, "routes.csv column distance_source",
           "Reported road/walking km where FACTS §1.2 gives one for that segment (source tag in "
           "`distance_source`), else 1.2 x great-circle (`est. 1.2×GC`). Long-range checks of FACTS §1.2 "
           "are not segments and are only used to check path sums (see the distance checks below).")
    return rows


def shortest_km(routes, a, b):
    """Shortest path length between two locations over routes.csv (Dijkstra)."""
    import heapq
    adj = {}
    for x, y, km, *_ in routes:
        adj.setdefault(x, []).append((y, km))
        adj.setdefault(y, []).append((x, km))
    dist, heap = {a: 0.0}, [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            return d
        if d > dist[u]:
            continue
        for v, w in adj[u]:
            if d + w < dist.get(v, math.inf):
                dist[v] = d + w
                heapq.heappush(heap, (d + w, v))
    return math.inf


# Reported long-range distances (FACTS §1.2) against the model's shortest path.
DISTANCE_CHECKS = [
    ("Tapachula", "Mapastepec", "~105 km walked by the Dec 2023 caravan [S36][S37]"),
    ("Tapachula", "Arriaga", "~260 km [S48]"),
    ("Tapachula", "San Pedro Tapanatepec", "~300 km [S41][S42]"),
    ("Tapachula", "Juchitán", ">390 km [S50]; 'almost 400 km' [S44]"),
    ("Tapachula", "Ciudad de México", "'around 900 km' [S52] (close to GC, so probably an underestimate)"),
    ("San Luis Potosí", "Saltillo", "448 km via toll road 57D [S56]"),
    ("Ciudad de México", "Chihuahua", "1,450 km [S55]"),
    ("Huixtla", "Nuevo Laredo", "~1,950 km [S47b]"),
    ("Huixtla", "Tijuana", "~3,840 km [S47b]; Huehuetán -> Tijuana 'almost 4,000 km' [S58]"),
    ("Ciudad de México", "Nuevo Laredo", "CDMX -> nearest US crossing ~620 miles (~1,000 km) [S59]"),
]


# ---------------------------------------------------------------------------
# D/E. Ports: capacity, walk-ups; CBP One appointments (FACTS §2.3, §5)
# ---------------------------------------------------------------------------

APPOINTMENTS_PER_DAY = num("CBP One appointments per day (from 2023-06-30)", 1450, SOURCED, "[S25]",
                           "Raised to 1,450/day on Jun 30, 2023 over 8 ports [S25][S30].")
APPOINTMENTS_BEFORE = num("CBP One appointments per day (2023-06-01 .. 06-29)", 1250, ESTIMATE, "[S72][S25]",
                          "The 1,000/day of May 2023 was raised to 1,250 and then to 1,450 on Jun 30 [S72][S25]; "
                          "the date of the 1,250 step is not in FACTS, so 1,250 is used for the whole June warm-up.")
TIJUANA_APPOINTMENTS = num("CBP One slots per day at San Ysidro", 400, SOURCED, "[S33]",
                           "Tijuana municipal migrant office: about 400 CBP One entries a day.")
NON_CBP_ONE_WALK_UPS = num("walk-ups per day at each port without CBP One", 5, ESTIMATE, "",
                           "After Title 42 ended, walk-ups were processed only in small numbers; no per-port "
                           "figure exists. Calibrated together with the field office totals.")
FIFO_SHARE = num("CBP One share allocated to the earliest registrants", 0.5, SOURCED, "[S73]",
                 "'Half the slots went to the earliest registrants and half were allocated at random'.")
LEAD_DAYS = num("CBP One lead days", 14, SOURCED, "[S26]",
                "Appointments are scheduled up to 14 days ahead; the maximum is used (the model has one value).")
# The refit of issue 15 (corridor calibrate --engine counts --days 92 --stocks
# data/stocks_to_2023-09.csv; the command is in SOURCES.md): fit on Jul-Aug 2023, September held out.
REFIT_NOTE = ("Refit (issue 15) on CBP encounters Jul-Aug 2023 and the stocks reported up to Aug 2023 "
              "(objective of docs/validation.md §3.2), count engine, CMA-ES 297 evaluations; September "
              "2023 held out. See 'Calibration' in the prose.")
# The second refit of issue 15, once the ports' walk-up capacities and the papers offices became
# parameters (`ports.walk_up_scale`, `papers.<office>.*`): the same window, objective and stock
# targets, CMA-ES 117 evaluations over six parameters near the first refit's values.
REFIT2_NOTE = ("Second refit (issue 15, with the walk-up capacities free): the same window and objective, "
               "count engine, CMA-ES 117 evaluations. See 'Calibration' in the prose.")
# The third refit of issue 15, once balking and reneging at the ports' walk-up queues were in the
# model (`[ports] patience_days`, `renege_probability`, docs/model.md §8): the same window,
# objective and stock targets, CMA-ES over the two new parameters and the levers they trade with.
REFIT3_NOTE = ("Third refit (issue 15, with balking and reneging at the walk-up queues): the same window "
               "and objective, count engine, CMA-ES 144 evaluations. See 'Calibration' in the prose.")
# ports.walk_up_scale of the third refit, on top of the second refit's 1.563302.
REFIT3_WALK_UP = 1.699939
WALK_UP_SCALE = num("walk-up capacity scale (every port)", round(1.563302 * REFIT3_WALK_UP, 6), CALIBRATED,
                    "[S20]",
                    "Multiplies every port's walk-up capacity (ports.walk_up_scale): the field office split "
                    "below is OFO encounters minus CBP One slots, but in the model part of a port's capacity "
                    "goes unused on the days its walk-ups are suspended or its queue is empty. "
                    + REFIT2_NOTE + " 1.563302. " + REFIT3_NOTE + f" x {REFIT3_WALK_UP}.")
PATIENCE_DAYS = num(
    "walk-up patience (days; balking)", 56.37, CALIBRATED, "",
    "No source gives how long people were willing to wait in a port's walk-up line or how many turned "
    "away (SOURCES.md, 'What the fit cannot do'). A person at a port joins its walk-up queue with "
    "probability exp(-W / patience), W = walk-ups queued / walk-up capacity a day (docs/model.md §8). "
    + REFIT3_NOTE + " 56.374368, rounded.")
RENEGE_PROBABILITY = num(
    "daily probability of leaving a walk-up queue (reneging)", 0.0167, CALIBRATED, "",
    "No source. A queued walk-up leaves the line with this probability each day and is free at the port "
    "again (docs/model.md §8). " + REFIT3_NOTE + " 0.016747, rounded.")
REQUEST_PROBABILITY = num(
    "CBP One daily request probability", 0.6766, CALIBRATED, "[S73]",
    "~80,000 requests/day for 1,000 slots in late May 2023 [S73], against an eligible waiting population "
    "of the order of 100,000 (border stocks ~21,000 + CDMX and central Mexico + people in transit): "
    "nearly everyone eligible requests every day. Initial value 0.8. " + REFIT_NOTE + " 0.695813, rounded. "
    + REFIT2_NOTE + " 0.6958 -> 0.799729, rounded. " + REFIT3_NOTE + " 0.7997 -> 0.676632, rounded.")


def largest_remainder(values: dict[str, float], total: int) -> dict[str, int]:
    floors = {k: math.floor(v) for k, v in values.items()}
    rest = total - sum(floors.values())
    order = sorted(values, key=lambda k: (-(values[k] - floors[k]), k))
    for k in order[:rest]:
        floors[k] += 1
    return floors


def build_ports(cbp_text: str):
    q, base, _ = cbp_daily_means(cbp_text)
    fos = ["San Diego Field Office", "Tucson Field Office", "El Paso Field Office", "Laredo Field Office"]
    ofo = {f: q[f] for f in fos}
    pre = {f: base[f] for f in fos}
    for f in fos:
        num(f"OFO encounters/day Jul-Sep 2023, {f}", round(ofo[f], 1), DERIVED, "[S20] cbp_monthly_to_2023-09.csv",
            "Sum of Jul+Aug+Sep 2023 (all titles) / 92 days.")
        num(f"OFO encounters/day Oct 2019-Feb 2020, {f}", round(pre[f], 1), DERIVED, "[S20] cbp_monthly_to_2023-09.csv",
            "Pre-COVID, pre-Title-42 months / 152 days: the level of inadmissibles without appointments.")
    raw = {f: ofo[f] - pre[f] for f in fos}
    scale = APPOINTMENTS_PER_DAY / sum(raw.values())
    appt_fo = largest_remainder({f: raw[f] * scale for f in fos}, APPOINTMENTS_PER_DAY)
    for f in fos:
        num(f"CBP One slots/day, {f}", appt_fo[f], ESTIMATE, "[S20][S25]",
            f"(OFO/day Jul-Sep 2023 - OFO/day Oct 2019-Feb 2020) scaled by {scale:.4f} so the four field "
            "offices sum to 1,450, rounded by largest remainder. Laredo FO gets "
            f"{appt_fo['Laredo Field Office'] / APPOINTMENTS_PER_DAY:.0%} (FACTS §5.2: 44-50% of OFO).")
    by_name = {p.name: p for p in PORTS}
    cbp = [p for p in PORTS if p.cbp_one]
    # Within a field office: San Ysidro is sourced, the rest of San Diego FO goes to
    # Calexico; Tucson FO -> Nogales; El Paso FO -> El Paso; Laredo FO split evenly
    # over its four CBP One ports (no per-port figure exists, FACTS §8).
    by_name["San Ysidro POE"].appointments = TIJUANA_APPOINTMENTS
    by_name["Calexico POE"].appointments = appt_fo["San Diego Field Office"] - TIJUANA_APPOINTMENTS
    by_name["Nogales POE"].appointments = appt_fo["Tucson Field Office"]
    by_name["El Paso POE"].appointments = appt_fo["El Paso Field Office"]
    laredo = [p for p in cbp if p.field_office == "Laredo Field Office"]
    split = largest_remainder({p.name: appt_fo["Laredo Field Office"] / len(laredo) for p in laredo},
                              appt_fo["Laredo Field Office"])
    for p in laredo:
        p.appointments = split[p.name]
    assert sum(p.appointments for p in PORTS) == APPOINTMENTS_PER_DAY
    assert len(cbp) == 8
    # Shares with 4 decimals summing exactly to 1 (largest remainder on 10,000ths).
    tenk = largest_remainder({p.name: p.appointments / APPOINTMENTS_PER_DAY * 10000 for p in cbp}, 10000)
    for p in cbp:
        p.share = tenk[p.name] / 10000
        num(f"CBP One share {p.name}", p.share, ESTIMATE, "[S33][S20]" if p.name == "San Ysidro POE" else "[S20]",
            f"{p.appointments:g} of 1,450 slots/day (see the field office split above).")
    # Walk-ups: the rest of each field office's Jul-Sep 2023 OFO encounters.
    for f in fos:
        walk = ofo[f] - appt_fo[f]
        members = [p for p in PORTS if p.field_office == f]
        others = [p for p in members if not p.cbp_one]
        main = [p for p in members if p.cbp_one]
        for p in others:
            p.walk_up_capacity = round(NON_CBP_ONE_WALK_UPS * WALK_UP_SCALE, 1)
        left = walk - NON_CBP_ONE_WALK_UPS * len(others)
        assert left > 0
        tot = sum(p.appointments for p in main)
        for p in main:
            p.walk_up_capacity = round(left * p.appointments / tot * WALK_UP_SCALE, 1)
        num(f"walk-ups/day, {f}", round(walk, 1), CALIBRATED, "[S20]",
            "OFO/day Jul-Sep 2023 minus the field office's CBP One slots: inadmissibles without an "
            f"appointment. {NON_CBP_ONE_WALK_UPS}/day at each port without CBP One, the rest over the CBP One "
            f"ports in proportion to their slots; every port's share times the walk-up scale {WALK_UP_SCALE}.")
    for p in PORTS:
        p.capacity = round(p.appointments + p.walk_up_capacity, 1)
        num(f"capacity/day {p.name}", p.capacity, CALIBRATED, "[S20][S25]",
            f"{p.appointments:g} appointment slots + {p.walk_up_capacity:g} walk-ups.")
    return appt_fo


# ---------------------------------------------------------------------------
# F. Crossings between ports (one per border city, counted in its sector)
# ---------------------------------------------------------------------------

# Initial daily hazards (calibrated). Reasoning: USBP encounters Jul-Sep 2023 were
# ~5,800/day (FACTS §5.2) against border stocks of a few tens of thousands, so the
# mean hazard is of order 0.1-0.2/day. Where no CBP One port exists people come to
# cross, not to wait: high hazard. Where large populations wait for CBP One
# (Reynosa, Matamoros, Tijuana, Mexicali) it is lower. Nuevo Laredo (Laredo Sector,
# ~94/day) is low despite a CBP One port.
HAZARD = {
    "Tijuana": 0.15, "Tecate": 0.5, "Mexicali": 0.1, "San Luis Río Colorado": 0.5,
    "Sonoyta": 0.5, "Nogales": 0.3, "Agua Prieta": 0.5, "Ciudad Juárez": 0.25,
    "Ojinaga": 0.5, "Ciudad Acuña": 0.5, "Piedras Negras": 0.35, "Nuevo Laredo": 0.05,
    "Reynosa": 0.1, "Matamoros": 0.12,
}
# Calibrated (corridor_calibrate::scenario_cal, CMA-ES, 45 runs at hasten 1, seed 20231224) on
# CBP encounters up to Sep 2023 only: crossings.hazard_scale 0.719948 times the hazards above, with
# absolute values for Ciudad Juárez 0.351688, Reynosa 0.234934, Matamoros 0.243415, Tijuana
# 0.208184, Nuevo Laredo 0.014749 before the scale; rounded to 4 decimals. SOURCES.md has the errors.
HAZARD_SCALE = 0.719948
HAZARD_FIT = {"Ciudad Juárez": 0.351688, "Reynosa": 0.234934, "Matamoros": 0.243415,
              "Tijuana": 0.208184, "Nuevo Laredo": 0.014749}
CAL_NOTE = ("Calibrated on CBP encounters Jun-Sep 2023 (no later month), CMA-ES 45 runs; "
            "see 'Calibration' in the prose.")
# Refit (issue 15): REFIT_SCALE times every hazard of the first fit (4 decimals), with absolute values
# for the cities in REFIT before that scale.
REFIT_SCALE = 0.570122
REFIT = {"Ciudad Juárez": 0.392275, "Tijuana": 0.339236, "Mexicali": 0.036835, "Nuevo Laredo": 0.024870,
         "Reynosa": 0.425712, "Matamoros": 0.099782, "Ojinaga": 0.230349}
# Second refit: REFIT2_SCALE times every hazard of the first refit (4 decimals).
REFIT2_SCALE = 1.204121
# Third refit: REFIT3_SCALE times every hazard of the second refit (4 decimals).
REFIT3_SCALE = 0.944546
HAZARD_SLOPE = num("crossing hazard slope (relative rise per waiting day)", 0.01, CALIBRATED, "",
                   "Frustration with the appointment lottery: the hazard doubles after 100 days of waiting "
                   "(Ciudad Juárez waits reached 9 months by 2024 [S31]). Initial value.")
HAZARD_MAX = num("crossing hazard cap per day", 0.5, CALIBRATED, "", "Upper bound of the rising hazard. Initial value.")


def build_crossings(usbp_day):
    rows = []
    for city, sector in SECTOR.items():
        first = round(HAZARD_FIT.get(city, HAZARD[city]) * HAZARD_SCALE, 4)
        refit = round(REFIT.get(city, first) * REFIT_SCALE, 4)
        refit2 = round(refit * REFIT2_SCALE, 4)
        h = num(f"crossing hazard {city} ({sector})",
                round(refit2 * REFIT3_SCALE, 4), CALIBRATED, "",
                f"Initial value {HAZARD[city]}; {CAL_NOTE} First fit {first}. {REFIT_NOTE} Refit {refit}. "
                f"{REFIT2_NOTE} Scale {REFIT2_SCALE}: {refit2}. {REFIT3_NOTE} Scale {REFIT3_SCALE}. Target: {sector} "
                f"USBP encounters Jul-Sep 2023 ≈ {usbp_day[sector]:,.0f}/day [S20].")
        rows.append([city, sector, h, HAZARD_SLOPE, HAZARD_MAX])
    return rows


# ---------------------------------------------------------------------------
# G. Checkpoints (FACTS §1.1 named control points, §4.4 containment)
# ---------------------------------------------------------------------------

@dataclass
class Checkpoint:
    name: str
    frm: str
    to: str
    relocate_to: str
    delay: int
    p2023: float
    p2024: float
    region: str  # "south" (Chiapas/Oaxaca) or "north"
    source: str


def interception_levels():
    """Per-traversal interception probabilities from SEGOB/INM event counts."""
    events_2023 = num("SEGOB irregular-migration events 2023", 782176, SOURCED, "[S121][S122]", "")
    ven_events = num("SEGOB events 2023, Venezuelans", 222994, SOURCED, "[S121][S122]", "")
    darien_2023 = num("Darién crossings 2023", 520085, SOURCED, "[S106][S107]", "")
    darien_ven = num("Darién crossings 2023, Venezuelans", 328667, SOURCED, "[S106][S107]", "")
    ven_share = darien_ven / darien_2023
    darien_events = ven_events / ven_share
    non_darien_ratio = num(
        "non-Darién / Darién foreign inflow ratio", round((events_2023 - darien_events) / darien_events, 4),
        DERIVED, "[S121][S106]",
        f"Venezuelans are {ven_share:.1%} of Darién crossers and essentially all cross the Darién; if events "
        f"per person are alike for all nationalities, Darién crossers made {ven_events:,} / {ven_share:.4f} = "
        f"{darien_events:,.0f} of the {events_2023:,} events ({darien_events / events_2023:.1%}); the rest are "
        "non-Darién foreigners (Central Americans, Cubans, Haitians flying to Nicaragua, ...; Mexicans are not "
        "in these events). Used as the initial non-Darién inflow level (calibrated through the inflow scale).")
    inflow_2023 = darien_2023 * (1 + non_darien_ratio)
    per_person = events_2023 / inflow_2023
    num("SEGOB events per foreign migrant 2023", round(per_person, 3), DERIVED, "[S121][S106]",
        f"{events_2023:,} / ({darien_2023:,} x (1 + {non_darien_ratio}))")
    south_part = num("part of the 2023 events at the coastal Chiapas/Oaxaca checkpoints", 0.5, ESTIMATE, "",
                     "No breakdown by state or checkpoint exists (FACTS §8); the coastal route carries most of "
                     "the flow and the sources place most interceptions in Chiapas and the Isthmus (§4.3).")
    e_south = per_person * south_part
    # A person who is intercepted is taken back and tries again, so with pass
    # probability s over the 4 coastal checkpoints the expected number of events per
    # person is (1 - s) / s.
    s = 1 / (1 + e_south)
    p_south = 1 - s ** 0.25
    inm_2024 = num("INM located/rescued Jan-May 2024", 1390000, SOURCED, "[S123][S124]", "")
    darien_jan_feb_2024 = (36001 + 37166) / 2
    rise = (inm_2024 / 5) / (events_2023 / 12) / (darien_jan_feb_2024 / (darien_2023 / 12))
    num("rise of events per migrant, early 2024 vs 2023", round(rise, 2), DERIVED, "[S123][S121][S107]",
        f"(1.39M/5 months) / ({events_2023:,}/12) = {(inm_2024 / 5) / (events_2023 / 12):.2f}x the events, "
        f"divided by the Darién flow ratio Jan-Feb 2024 / 2023 mean = "
        f"{darien_jan_feb_2024 / (darien_2023 / 12):.2f}.")
    s24 = 1 / (1 + e_south * rise)
    p_south_2024 = 1 - s24 ** 0.25
    return non_darien_ratio, round(p_south, 2), round(p_south_2024, 2), rise


CONTAINMENT_DATE = D("2023-12-28")


def build_checkpoints(p23, p24, rise):
    num("coastal checkpoint interception probability (2023)", p23, CALIBRATED, "[S121][S106]",
        "Per traversal, same at the 4 coastal checkpoints: half of the 2023 events per migrant, with "
        "retries, gives (1-s)/s = events and s = (1-p)^4.")
    num("coastal checkpoint interception probability (from 2023-12-28)", p24, ESTIMATE, "[S123][S17][S18]",
        f"Events per migrant x{rise:.2f} in Jan-May 2024 (INM) over the same chain; from the day after the "
        "Dec 27 Blinken-Mayorkas-AMLO meeting [S17][S18].")
    pn23 = num("northern checkpoint interception probability (2023)", 0.05, CALIBRATED, "[S63][S97][S130]",
               "Interceptions near Monclova/Piedras Negras and flights south from PN, Reynosa, Matamoros "
               "existed in 2023 [S63][S97][S130]; no count. Initial value.")
    e = pn23 / (1 - pn23) * rise
    pn24 = round(e / (1 + e), 2)
    num("northern checkpoint interception probability (from 2023-12-28)", pn24, ESTIMATE, "[S125][S127][S128]",
        f"Same rise x{rise:.2f} in events per migrant; Q1 2024 saw ~360,000 apprehensions in the northern "
        "region [S125] and busing south from Monterrey/Piedras Negras [S127][S128].")
    cps = [
        Checkpoint("Viva México", "Tapachula", "Huixtla", "Tapachula", 1, p23, p24, "south", "[S40][S45][S46]"),
        Checkpoint("Cerro Gordo", "Huixtla", "Mapastepec", "Tapachula", 2, p23, p24, "south", "[S47]"),
        Checkpoint("Tapanatepec garita", "Arriaga", "San Pedro Tapanatepec", "Tuxtla Gutiérrez", 2, p23, p24,
                   "south", "[S42]"),
        Checkpoint("La Ventosa", "San Pedro Tapanatepec", "La Ventosa", "Villahermosa", 3, p23, p24, "south",
                   "[S44]"),
        Checkpoint("Monclova-Piedras Negras", "Monclova", "Piedras Negras", "Villahermosa", 3, pn23, pn24,
                   "north", "[S63][S97]"),
        Checkpoint("Monterrey-Nuevo Laredo", "Monterrey", "Nuevo Laredo", "Villahermosa", 3, pn23, pn24, "north",
                   "[S127][S128]"),
        Checkpoint("Monterrey-Reynosa", "Monterrey", "Reynosa", "Villahermosa", 3, pn23, pn24, "north",
                   "[S127][S128][S130]"),
    ]
    num("relocation delay, Viva México -> Tapachula (days)", 1, ESTIMATE, "", "A bus ride of ~40 km plus INM processing.")
    num("relocation delay, Cerro Gordo -> Tapachula / Tapanatepec -> Tuxtla (days)", 2, ESTIMATE, "",
        "Bus of 100-400 km plus a night at an INM station.")
    num("relocation delay, La Ventosa / northern checkpoints -> Villahermosa (days)", 3, ESTIMATE, "[S97][S127]",
        "Long bus rides or flights (PN -> Villahermosa flights [S97]; ~1,000 miles [S127]) plus processing.")
    column("checkpoints.csv relocate_to", ESTIMATE, "[S60][S82][S97][S127]",
           "INM relocation destinations named in the sources: Tapachula, Tuxtla Gutiérrez, Villahermosa "
           "([S60][S82][S97][S127]); each checkpoint is given the nearest one in its direction of return.")
    return cps


# ---------------------------------------------------------------------------
# H. Inflows (FACTS §4.1-4.2)
# ---------------------------------------------------------------------------

# Darién crossings by month (FACTS §4.1). (year, month): (count, days covered, tag)
DARIEN = {
    (2023, 4): (40297, 30, "[S99][S101]"),
    (2023, 5): (38962, 31, "[S99]"),
    (2023, 6): (29722, 30, "[S99]"),
    (2023, 7): (55387, 31, "[S103][S104]"),
    (2023, 8): (81946, 31, "[S105]"),
    (2023, 9): (75268, 30, "[derived] FACTS §4.1"),
    (2023, 10): (49256, 31, "[S106]"),
    (2023, 11): (37231, 30, "[S106]"),
    (2023, 12): (24626, 31, "[S106]"),
    (2024, 1): (36001, 31, "[S107]"),
    (2024, 2): (37166, 29, "[S107]"),
    (2024, 3): (24551, 21, "[S107] (Mar 1-21 only)"),
}
LAG_DAYS = num(
    "lag Darién -> Mexico's southern border (days)", 18, ESTIMATE, "",
    "Lajas Blancas/San Vicente -> Costa Rica -> Nicaragua -> Honduras -> Guatemala -> Tecún Umán/El Ceibo is "
    "~2,500 km, mostly by bus with stops to earn or receive money: typically 2-3 weeks; the midpoint 2.5 weeks "
    "is rounded to 18 days. FACTS has no source for the transit time.")
SPLIT_HIDALGO = num(
    "share of the southern inflow entering at Ciudad Hidalgo (rest: Tenosique)", 0.8, ESTIMATE, "[S111][S114]",
    "Tapachula received 74,945 of 136,934 COMAR applications Jan-Nov 2023 and CDMX 30,201 [S114]; all other "
    "offices (Tabasco, Palenque, Veracruz, ...) together 31,788, so Tapachula is >=70% of the applications "
    "filed outside CDMX; all 2023-24 caravans used the coastal road [S36-S51]. 80/20 is the estimate.")
DARIEN_REACH = num("share of Darién crossers who reach Mexico's southern border", 1.0, ESTIMATE, "",
                   "Nearly all continue north; those who stay in Central America are not quantified. Calibrated "
                   "through the inflow scale.")
INFLOW_SCALE = num("inflow scale (all inflows: Darién, non-Darién, Mexicans)", 1.381164, CALIBRATED, "",
                   "Initial value 1; 1.191 fitted (rounded to 1.19). " + CAL_NOTE + " Then 1.19 x 1.186542 "
                   "= 1.411985. " + REFIT_NOTE + " Then 1.411985 x 0.978172 = 1.381164. " + REFIT2_NOTE
                   + " Stands for repeat "
                   "encounters and stocks the inflow estimates miss (the ~1,700/day gap below).")
MEXICANS_PER_DAY = num(
    "Mexicans appearing at the northern border per day", 2200, CALIBRATED, "[gen.]",
    "Mexicans were ~29% of FY2023 SW encounters [gen.: CBP nationality tables are not in FACTS; check]; "
    "0.29 x 7,460 SW encounters/day Jul-Sep 2023 [S20] ≈ 2,200. They do not pass the southern corridor "
    "(internal displacement, e.g. 90% of Tijuana shelter occupants were displaced Mexicans in Feb 2024 [S33]) "
    "and are spawned directly in the border cities. The balance SW encounters Jul-Sep 2023 (7,460/day) - "
    "foreign inflow (Darién ~1,800 + non-Darién ~1,730) - Mexicans (2,200) ≈ 1,700/day is what repeat "
    "encounters and the drawdown of stocks must explain: calibration target.")


def month_mid(y, m, days):
    return dt.date(y, m, 1) + dt.timedelta(days=(days - 1) // 2)


def build_inflows(non_darien_ratio, usbp_day, locations):
    """Rows of inflows.csv: one series per location (the reader's format), so the
    Darién-driven and the non-Darién parts of a southern entry are summed per date;
    the note column keeps the two parts apart."""
    pts = []
    for (y, m), (count, days, tag) in sorted(DARIEN.items()):
        date = month_mid(y, m, days) + dt.timedelta(days=LAG_DAYS)
        pts.append((date, count / days * DARIEN_REACH * INFLOW_SCALE))
        num(f"Darién crossings {y}-{m:02d}", count, DERIVED if "derived" in tag else SOURCED,
            tag.split(" ")[0] if "derived" not in tag else "FACTS §4.1",
            ("Residual: 520,085 - 333,704 (Jan-Aug) - Oct - Nov - Dec. " if "derived" in tag else "")
            + f"{count / days:,.1f}/day over {days} days{' (Mar 1-21)' if days == 21 else ''}, placed at "
            f"mid-period + {LAG_DAYS} days = {date}.")
    darien_daily_2023 = 520085 / 365
    nd = darien_daily_2023 * non_darien_ratio * INFLOW_SCALE
    num("non-Darién foreign inflow per day (both entries)", round(nd, 1), CALIBRATED, "[S121][S111][S113][S114]",
        f"{non_darien_ratio} x the 2023 Darién mean of {darien_daily_2023:,.1f}/day. Constant in time: COMAR "
        "applications (dominated by non-Darién Hondurans, Haitians, Cubans) ran at a steady ~12,000/month in "
        "Jan-Nov 2023 ([S113]: 112,960 Jan-Sep; [S114]: 136,934 Jan-Nov).")
    rows = []
    for loc, share in [("Ciudad Hidalgo", SPLIT_HIDALGO), ("Tenosique", round(1 - SPLIT_HIDALGO, 6))]:
        for d, v in pts:
            a, b = r6(v * share), r6(nd * share)
            rows.append([loc, d.isoformat(), r6(a + b), f"Darién {fmt(a)} + non-Darién {fmt(b)}"])
    column("inflows.csv Ciudad Hidalgo, Tenosique", DERIVED, "[S99]-[S107][S121]",
           f"Per date: share x (Darién monthly rate at mid-month + {LAG_DAYS} days + the constant non-Darién "
           "rate); the note column gives the two parts.")
    # Mexicans at the northern border: by sector share of USBP Jul-Sep 2023, then by
    # city population within the sector.
    pop = {r["name"]: r["population"] for r in locations}
    tot_usbp = sum(usbp_day[s] for s in set(SECTOR.values()))
    for city, sector in SECTOR.items():
        in_sector = [c for c, s in SECTOR.items() if s == sector]
        w = usbp_day[sector] / tot_usbp * pop[city] / sum(pop[c] for c in in_sector)
        v = r6(MEXICANS_PER_DAY * INFLOW_SCALE * w)
        for d in (START, END):
            rows.append([city, d.isoformat(), v, f"Mexicans: {w:.4f} of {MEXICANS_PER_DAY}/day"])
    column("inflows.csv border cities (Mexicans)", CALIBRATED, "[S20][S1]",
           "The Mexican total is split over border cities by their sector's share of USBP encounters Jul-Sep "
           "2023, then by INEGI population within the sector; constant in time.")
    return rows


# ---------------------------------------------------------------------------
# I. Caravans (FACTS §4.3)
# ---------------------------------------------------------------------------

@dataclass
class Caravan:
    name: str
    date: dt.date
    origin: str
    size: int
    path: list
    speed: float
    disperse_date: dt.date
    disperse_at: str
    continue_share: float
    papers_share: float
    relocate_to: str | None
    delay_days: int
    note: str = ""


def build_caravans():
    size = num(
        "Dec 24, 2023 caravan size", 8000, ESTIMATE, "[S34][S35][S17b][S18b]",
        "Reported 1,500 (AMLO) / 6,000 (UPI) / ~8,000 (NY Post) / >=10,000 (Civil Protection) / up to 15,000 "
        "(organiser). 8,000 is the median of the five reports and fits ~6,800 still present at dissolution "
        "after 9 days of attrition [S37].")
    speed = num("Dec 2023 caravan speed (km/day)", 11.7, DERIVED, "[S36][S37]", "105 km in 9 days.")
    papers = num("Dec 2023 caravan: share bused to Huixtla at dissolution", 0.7, ESTIMATE, "[S37][S38][S44]",
                 "~6,800 present at dissolution [S37]; ~2,000 continued and reached Oaxaca on Jan 9 [S44]: "
                 "2,000/6,800 ≈ 0.3 went on alone, 0.7 took INM buses to Huixtla for papers [S38].")
    num("Dec 2023 caravan: days in transit to Huixtla", 1, ESTIMATE, "[S38]", "Huixtla is ~50 km back by bus [S38].")
    size32 = num("Oct 30, 2023 caravan ('No. 32') size", 6000, SOURCED, "[S45]",
                 "Reuters 5,000-6,000 [S45] (Baker >7,000 [S117]); the ~3,500 who joined on Nov 5 are not added "
                 "(they came from elsewhere).")
    speed32 = num("Oct 30, 2023 caravan speed (km/day)", 14.6, DERIVED, "[S48][S117]",
                  "~260 km Tapachula-Arriaga [S48] (262 km in routes.csv), Oct 30 -> Nov 17 (18 days): "
                  "262/18 = 14.6 so that the group reaches Arriaga on the reported day.")
    num("Oct 30, 2023 caravan: dissolves at Arriaga on Nov 17, all go on alone", 1.0, ESTIMATE, "[S48][S117]",
        "About 3,000 left Arriaga on Nov 17 for Tapanatepec [S48]; the group's later fate is not known "
        "(FACTS §8), so from Arriaga its members move as individuals.")
    return [
        Caravan("exodo-de-la-pobreza", D("2023-12-24"), "Tapachula", size, ["Huixtla", "Mapastepec"], speed,
                D("2024-01-02"), "Mapastepec", 0.0, papers, "Huixtla", 1,
                "'Éxodo de la pobreza' [S34]-[S38]: dissolved at Mapastepec on 2 Jan 2024"),
        Caravan("caravan-32", D("2023-10-30"), "Tapachula", size32,
                ["Huixtla", "Mapastepec", "Pijijiapan", "Tonalá", "Arriaga"], speed32,
                D("2023-11-17"), "Arriaga", 0.0, 0.0, None, 1,
                "Caravan No. 32 [S45][S48][S117]: fate after Arriaga unknown, members go on alone"),
    ]


# ---------------------------------------------------------------------------
# Waiting for papers (COMAR, INM) and the Sep 26, 2023 relocation (issue 15)
# ---------------------------------------------------------------------------

@dataclass
class Office:
    location: str
    seek_share: float
    days_min: int
    days_max: int
    give_up_share: float
    give_up_days_min: int
    give_up_days_max: int
    bus_to: str
    bus_days: int
    note: str


@dataclass
class Relocation:
    date: dt.date
    frm: str
    to: str
    people: int
    delay_days: int
    why: str


def build_papers(inflow_per_day):
    """Papers offices and relocations. `inflow_per_day`: people entering at Ciudad
    Hidalgo (the way to Tapachula) per day, Jul-Sep 2023 mean, after the inflow scale."""
    days_min = num("COMAR formal access, shortest wait (days)", 56, SOURCED, "[S113]",
                   "'formal access took 8-10 weeks' (Sep 2023): 8 weeks.")
    days_max = num("COMAR formal access, longest wait (days)", 70, SOURCED, "[S113]",
                   "10 weeks; waits are drawn uniformly between 56 and 70 days.")
    # Approaches to COMAR: 154,250 people by Sep 15 against 112,960 formal
    # applications by Sep 30 [S113]; Tapachula's share of the applications was
    # 60,496 / 112,960 [S113]. Approaches in Tapachula per day over Jan 1-Sep 15.
    approached = 154_250 * 60_496 / 112_960
    per_day = approached / 258
    seek = num("share of the people reaching Tapachula who seek papers", round(per_day / inflow_per_day, 3),
               DERIVED, "[S113]",
               f"154,250 approached COMAR by Sep 15, 2023 of whom Tapachula's share of applications "
               f"(60,496/112,960) gives {approached:,.0f} in Tapachula in 258 days = {per_day:,.0f}/day, "
               f"over the {inflow_per_day:,.0f} people/day entering at Ciudad Hidalgo (Jul-Sep 2023 inflows). "
               f"INM visitor cards are not counted (no figure), so this is a floor.")
    give_up = num("share of the seekers who give up before papers", 0.25, ESTIMATE, "[S113][S111]",
                  "Of 154,250 who approached COMAR by Sep 15 only 112,960 had filed by Sep 30 (27 % not, "
                  "backlog and give-ups together) [S113]; only 27,900 cases were resolved in all 2023 [S111]. "
                  "A quarter is the round figure of the first gap.")
    gmin = num("give-up wait, shortest (days)", 14, ESTIMATE, "",
               "No figure: two weeks, the first COMAR appointment date people are usually given.")
    gmax = num("give-up wait, longest (days)", 56, ESTIMATE, "[S113]",
               "No longer than formal access takes (8 weeks) [S113].")
    bus_days = num("days by bus from the south to Ciudad de México with papers", 2, ESTIMATE, "[S50]",
                   "~1,150 km by road; with papers people can buy bus tickets to Mexico City [S50] "
                   "(without, bus companies refuse them and INM checkpoints take them off buses).")
    note = "COMAR [S113]: seek, wait 8-10 weeks, then by bus to Ciudad de México"
    offices = [
        Office("Tapachula", seek, days_min, days_max, give_up, gmin, gmax, "Ciudad de México", bus_days,
               note),
        Office("Tenosique", seek, days_min, days_max, give_up, gmin, gmax, "Ciudad de México", bus_days,
               "COMAR Tabasco office; the same parameters as Tapachula [est.]"),
    ]
    num("papers office at Tenosique: same parameters as Tapachula", 1, ESTIMATE, "[S114]",
        "COMAR has offices in Tabasco; no separate figures for them, so the Tapachula values are used.")
    # Sep 26, 2023: 8,152 moved to Tuxtla, Huixtla, San Cristóbal, Palenque,
    # Villahermosa and Acayucan [S82]. No split is reported: equal sixths; San
    # Cristóbal is not in the network and its sixth goes to Tuxtla Gutiérrez (the
    # nearest location in it).
    total = num("INM relocation from COMAR Tapachula on Sep 26, 2023 (people)", 8152, SOURCED, "[S82]",
                "189 buses and 73 vans; split equally among the six destinations (no split reported), "
                "San Cristóbal's sixth to Tuxtla Gutiérrez (not in the network).")
    sixth = total // 6
    shares = {"Tuxtla Gutiérrez": 2, "Huixtla": 1, "Palenque": 1, "Villahermosa": 1, "Acayucan": 1}
    relocations = []
    left = total
    for i, (to, k) in enumerate(shares.items()):
        n = left if i == len(shares) - 1 else k * sixth
        left -= n
        relocations.append(Relocation(D("2023-09-26"), "Tapachula", to, n, 1, "[S82]"))
    return offices, relocations


# ---------------------------------------------------------------------------
# J/K. Timeline (FACTS §2.2), events and variants
# ---------------------------------------------------------------------------

# One lever change: (action, target, value). Targets are names (port, checkpoint,
# crossing, inflow) as written in the scenario files.
@dataclass
class Ev:
    date: dt.date
    action: str
    target: str | None
    value: object
    why: str


@dataclass
class TimelineItem:
    date: str
    what: str
    source: str
    effect: str  # what the model does, or "none: <reason>"
    events: list = field(default_factory=list)


def build_timeline(cps, ports_by_name):
    nog = ports_by_name["Nogales POE"]
    nog_morley = round(nog.appointments + nog.walk_up_capacity / 2, 1)
    num("Nogales capacity while Morley Gate is closed", nog_morley, ESTIMATE, "[S6]",
        "Morley Gate is one of Nogales' pedestrian crossings: walk-up capacity halved "
        f"({nog.walk_up_capacity:g} -> {nog.walk_up_capacity / 2:g}); appointments unaffected.")
    morley_closed = D("2023-09-01")
    num("Morley Gate closure date (day of month)", 1, ESTIMATE, "[S6]", "'Closed since September': 1 Sep 2023 assumed.")
    south = [c for c in cps if c.region == "south"]
    north = [c for c in cps if c.region == "north"]
    T = [
        TimelineItem("2023-01-09", "San Ysidro PedWest reopens northbound (6 am-2 pm)", "[S4]",
                     "none: before the window; San Ysidro is open with walk-ups at the start"),
        TimelineItem("2023-06-30", "CBP One raised to 1,450 appointments/day", "[S25]",
                     "set_appointments_per_day 1450",
                     [Ev(D("2023-06-30"), "set_appointments_per_day", None, APPOINTMENTS_PER_DAY, "[S25]")]),
        TimelineItem("2023-09-01", "Nogales Morley Gate pedestrian crossing closed 'since September'", "[S6]",
                     f"set_port_capacity Nogales POE {fmt(nog_morley)} (walk-ups halved; date estimated)",
                     [Ev(morley_closed, "set_port_capacity", "Nogales POE", nog_morley, "[S6]")]),
        TimelineItem("2023-09-14", "PedWest processing suspended; CBP One appointments at San Ysidro unaffected",
                     "[S5]", "set_walk_ups San Ysidro POE false",
                     [Ev(D("2023-09-14"), "set_walk_ups", "San Ysidro POE", False, "[S5]")]),
        TimelineItem("2023-09-19", "Ferromex suspends 60 northbound freight trains", "[S61][S62]",
                     "none: links are road+rail and the model has no separate rail mode"),
        TimelineItem("2023-09-20", "Eagle Pass Bridge 1 vehicle processing suspended", "[S8]",
                     "set_walk_ups Eagle Pass POE false (OFO officers redeployed; effect on walk-ups estimated)",
                     [Ev(D("2023-09-20"), "set_walk_ups", "Eagle Pass POE", False, "[S8]")]),
        TimelineItem("2023-10-16", "Eagle Pass Bridge 1 vehicle processing resumes", "[S8]",
                     "set_walk_ups Eagle Pass POE true",
                     [Ev(D("2023-10-16"), "set_walk_ups", "Eagle Pass POE", True, "[S8]")]),
        TimelineItem("2023-10-30", "Caravan No. 32 leaves Tapachula", "[S117][S45]", "caravan caravan-32"),
        TimelineItem("2023-11-16", "PedWest reopens northbound (southbound Nov 20)", "[S9]",
                     "set_walk_ups San Ysidro POE true",
                     [Ev(D("2023-11-16"), "set_walk_ups", "San Ysidro POE", True, "[S9]")]),
        TimelineItem("2023-11-27", "Eagle Pass Bridge 1 northbound vehicles suspended; Lukeville vehicle "
                     "processing reduced", "[S10][S11]",
                     "set_walk_ups Eagle Pass POE false; Lukeville: none (pedestrian processing continued "
                     "until Dec 4)",
                     [Ev(D("2023-11-27"), "set_walk_ups", "Eagle Pass POE", False, "[S10][S11]")]),
        TimelineItem("2023-12-04", "Lukeville POE fully closed", "[S7][S12]", "close_port Lukeville POE",
                     [Ev(D("2023-12-04"), "close_port", "Lukeville POE", None, "[S7][S12]")]),
        TimelineItem("2023-12-09", "PedWest suspended again; extra lanes at PedEast and Otay Mesa", "[S13][S9]",
                     "set_walk_ups San Ysidro POE false (appointments continue, as in Sep [S5])",
                     [Ev(D("2023-12-09"), "set_walk_ups", "San Ysidro POE", False, "[S13][S9]")]),
        TimelineItem("2023-12-18", "Eagle Pass and El Paso international railway bridges closed", "[S14]",
                     "none: freight rail bridges; the pedestrian ports and CBP One stayed open"),
        TimelineItem("2023-12-22", "Rail bridges reopen; Eagle Pass Bridge 1 vehicles, PedWest, Lukeville and "
                     "Morley Gate stay suspended", "[S15][S16]", "none: see Dec 18"),
        TimelineItem("2023-12-24", "'Éxodo de la pobreza' caravan leaves Tapachula", "[S34][S35]",
                     "caravan exodo-de-la-pobreza"),
        TimelineItem("2023-12-27", "Blinken, Mayorkas and Sherwood-Randall meet López Obrador", "[S17][S18]",
                     "from Dec 28: interception at every checkpoint raised to the early-2024 level (§4.4)",
                     [Ev(CONTAINMENT_DATE, "set_checkpoint_probability", c.name, c.p2024, "[S17][S18][S123]")
                      for c in south + north]),
        TimelineItem("2024-01-02", "Caravan dissolves at Mapastepec; INM buses to Huixtla", "[S37][S38]",
                     "caravan dispersal"),
        TimelineItem("2024-01-04", "Reopenings: Lukeville 6 am, PedWest 6 am, Eagle Pass Bridge 1 vehicles 7 am, "
                     "Morley Gate 10 am", "[S12][S19]",
                     "open_port Lukeville POE; set_walk_ups San Ysidro POE true; set_walk_ups Eagle Pass POE "
                     f"true; set_port_capacity Nogales POE {fmt(nog.capacity)}",
                     [Ev(D("2024-01-04"), "open_port", "Lukeville POE", None, "[S12][S19]"),
                      Ev(D("2024-01-04"), "set_walk_ups", "San Ysidro POE", True, "[S19]"),
                      Ev(D("2024-01-04"), "set_walk_ups", "Eagle Pass POE", True, "[S19]"),
                      Ev(D("2024-01-04"), "set_port_capacity", "Nogales POE", nog.capacity, "[S19]")]),
        TimelineItem("2024-01-10", "Texas National Guard takes Shelby Park (Eagle Pass), blocks Border Patrol",
                     "[S65]", "none: no sourced effect size on crossings at Piedras Negras (candidate lever: "
                     "set_crossing_hazard Piedras Negras)"),
        TimelineItem("2024-03-04", "CBP One request window shortened; geolocation and liveness checks", "[S75]",
                     "none: no sourced effect size (candidate lever: set_request_probability)"),
    ]
    return T


def build_variants(cps, ports_by_name):
    reopen = D("2024-01-04")
    nog = ports_by_name["Nogales POE"]
    nog_closed = round(nog.appointments + nog.walk_up_capacity / 2, 1)
    south = [c for c in cps if c.region == "south"]
    for c in south:
        num(f"containment-plus: {c.name} probability from 2023-12-28", round(2 * c.p2024, 2), DERIVED, "brief",
            "Twice the baseline value of the same day; policy variant, not an observation.")
    x2 = num("appointments-x2: appointments per day from 2024-01-01", 2 * APPOINTMENTS_PER_DAY, DERIVED,
             "[S25]", "Twice the 1,450/day of [S25]; policy variant, not an observation.")
    jan1 = D("2024-01-01")
    x2_cap = []
    for p in PORTS:
        if not p.cbp_one:
            continue
        # Nogales' capacity on 1 Jan is the Morley-Gate-closed one; the base reopening of 4 Jan
        # sets it again, so the variant repeats its own value that day (variant events come last).
        before = nog_closed if p is nog else p.capacity
        x2_cap.append(Ev(jan1, "set_port_capacity", p.name, round(before + p.appointments, 1),
                         "capacity + the port's appointment slots"))
        if p is nog:
            x2_cap.append(Ev(reopen, "set_port_capacity", p.name, round(p.capacity + p.appointments, 1),
                             "overrides the base reopening: capacity + the port's appointment slots"))
    num("appointments-x2: port capacities from 2024-01-01", "per port", DERIVED, "[S25]",
        "Each CBP One port's capacity rises by its appointment slots (its share of the extra 1,450/day): "
        "without it, holders pile up in the port queues and admissions barely rise.")
    return [
        ("baseline", "What happened: the base scenario's events.", []),
        ("ports-stay-closed",
         "The 4 Jan 2024 reopenings do not happen: Lukeville stays closed, PedWest and Eagle Pass Bridge 1 stay "
         "suspended (no walk-ups), Morley Gate stays closed.",
         [Ev(reopen, "close_port", "Lukeville POE", None, "overrides the base reopening"),
          Ev(reopen, "set_walk_ups", "San Ysidro POE", False, "overrides the base reopening"),
          Ev(reopen, "set_walk_ups", "Eagle Pass POE", False, "overrides the base reopening"),
          Ev(reopen, "set_port_capacity", "Nogales POE", nog_closed, "overrides the base reopening")]),
        ("containment-plus",
         "Interception at the Chiapas and Oaxaca checkpoints doubled from 28 Dec 2023 (relative to the baseline).",
         [Ev(CONTAINMENT_DATE, "set_checkpoint_probability", c.name, round(2 * c.p2024, 2),
             "2 x the baseline value from the same day") for c in south]),
        ("appointments-x2",
         "CBP One appointments doubled to 2,900 a day from 1 Jan 2024 (same port shares), and each CBP One "
         "port's capacity raised by its extra slots.",
         [Ev(jan1, "set_appointments_per_day", None, x2, "policy lever")] + x2_cap),
    ]


# ---------------------------------------------------------------------------
# L. Movement rules (Flee settings by name)
# ---------------------------------------------------------------------------

def build_rules():
    return [
        ("move_rules.max_move_speed", num("max_move_speed (km/day)", 200.0, ESTIMATE, "",
                               "Buses with stops and waits; Tapachula-CDMX (~900 km) in 4-5 days. Calibrated.")),
        ("move_rules.max_walk_speed", num("max_walk_speed (km/day)", 20.0, SOURCED, "[S42]",
                               "Caravans walk 'up to 20 km per day' [S42]; 11.7-23 km/day observed (FACTS §4.3).")),
        ("move_rules.default_movechance", num("default_movechance", 0.3, CALIBRATED, "",
                                   "Flee's default; people in transit stop to work, wait for money or papers.")),
        ("move_rules.awareness_level", num(
            "awareness_level", 28, DERIVED, "routes.csv",
            "Hops along the shortest path from Ciudad Hidalgo to the farthest port (San Ysidro: 27 to Tijuana, "
            "28 to its port); the network's largest such count is 28. corridor keeps one candidate route per "
            "destination within that many hops along its shortest path when awareness_level > 3 "
            "(docs/flee-compat.md), so every location, every border city included, is a route choice from "
            "everywhere, and a chosen route is followed to its end (Flee: move chance 1 while a route is "
            "stored): this is what moves people north. Flee's default is 1.")),
        ("move_rules.camp_weight", num(
            "camp_weight (attractiveness of the border cities)", 10.0, CALIBRATED, "",
            "Border cities are camps; with weight 10, 34% (Ciudad Hidalgo), 44% (Tenosique), 31% (Tapachula) "
            "and 45% (Mexico City) of route choices end in a border city (one candidate per destination, "
            "weight 1/(10 + km)), the rest in towns on the way, from where people choose again. Initial value; "
            "the same for every border city (the format has no per-location attractiveness).")),
        ("move_rules.foreign_weight", num(
            "foreign_weight (attractiveness of the ports for walk-ups)", 0.6415, CALIBRATED, "",
            "Ports are the only foreign locations; a route ending at a port makes a walk-up (about 1% of the "
            "choices). 0.1 gave ~25 walk-ups a day in Jul-Sep 2023 (2,300 over the quarter) against ~220 "
            "(OFO encounters minus appointment slots); 0.3 gives ~70. Higher values overfill the queues of the "
            "ports without CBP One (5 walk-ups a day each; before the third refit nobody left a queue). Initial value 0.3. "
            + REFIT_NOTE + " 1.145455, rounded: walk-ups Jul-Aug 2023 11,600 against 12,846 observed. "
            + REFIT2_NOTE + " 0.892108, rounded: fewer people draw to the ports, whose walk-up capacity rose. "
            + REFIT3_NOTE + " 0.641500.")),
    ]


# ---------------------------------------------------------------------------
# N. Emission
# ---------------------------------------------------------------------------

def toml_value(v) -> str:
    if v is None:
        return '""'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return fmt(v)
    if isinstance(v, dt.date):
        return f'"{v.isoformat()}"'
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


EVENT_FIELDS = {  # action -> (target key, value key), as in crates/corridor-io/src/scenario.rs
    "set_appointments_per_day": (None, "per_day"),
    "set_port_capacity": ("port", "capacity_per_day"),
    "set_walk_ups": ("port", "walk_ups"),
    "open_port": ("port", None),
    "close_port": ("port", None),
    "set_checkpoint_probability": ("checkpoint", "probability"),
    "set_crossing_hazard": ("crossing", "hazard"),
}


def event_toml(e: Ev, table: str) -> str:
    tkey, vkey = EVENT_FIELDS[e.action]
    lines = [f"[[{table}]]", f"date = {toml_value(e.date)}", f'action = "{e.action}"']
    if tkey:
        lines.append(f"{tkey} = {toml_value(e.target)}")
    if vkey:
        lines.append(f"{vkey} = {toml_value(e.value)}")
    lines[-1] += f"  # {e.why}"
    return "\n".join(lines) + "\n"


GENERATED_NOTE = "GENERATED by scenarios/tools/build_mexico_2023.py - edit the script; sources in SOURCES.md"


def render_toml(rules, caravans, timeline, variants, eligible_regions, offices, relocations):
    o = []
    o.append("# Built-in scenario: Tapachula -> US border, winter 2023-24 (docs/design.md §9).\n"
             f"# {GENERATED_NOTE}.\n"
             "# Every number is listed with its source in SOURCES.md; [Sxx] tags refer to FACTS.md §7.\n\n")
    o.append('name = "mexico-2023"\n')
    o.append('description = "Tapachula -> US-Mexico border, winter 2023-24: evaluation 1 Oct 2023 - 31 Mar 2024, '
             'warm-up from 1 Jun 2023, calibration on CBP data Jul-Sep 2023"\n')
    o.append(f"start_date = {toml_value(START)}  # warm-up: June populates the network before Jul-Sep 2023\n")
    o.append(f"days = {DAYS}  # {START} .. {END} inclusive\n")
    o.append("seed = 20231224\n\n")
    o.append("# Documentation only (the reader ignores this table).\n")
    o.append("[sources]\n")
    o.append('table = "SOURCES.md"\n')
    o.append(f'timeline = "data/timeline_2023-24.csv"\n\n')
    o.append("# Observed data and windows, read by compare and calibrate (docs/scenario-format.md).\n")
    o.append("[observations]\n")
    o.append(f'cbp_monthly = "data/{CBP_OBSERVED_CSV}"  # CBP layout, Oct 2019 - Sep 2023\n')
    o.append(f'observed_through = "{CALIBRATION_MONTHS[-1]}"  # never use CBP data after this month\n')
    o.append(f"calibration_months = {toml_value(CALIBRATION_MONTHS)}  # June is the warm-up\n")
    o.append(f"report_from = {toml_value(REPORT_FROM)}  # evaluation window {REPORT_FROM} .. {END}\n\n")
    o.append("[rules]  # Flee settings by their simsetting.yml names\n")
    for k, v in rules:
        o.append(f"{k} = {toml_value(v)}\n")
    o.append("\n[tables]\n")
    for k in ["locations", "routes", "ports", "checkpoints", "inflows", "crossings"]:
        o.append(f'{k} = "{k}.csv"\n')
    o.append("\n[appointments]  # CBP One\n")
    o.append(f"per_day = {fmt(APPOINTMENTS_BEFORE)}  # June warm-up; 1,450 from 2023-06-30 by an event [S25]\n")
    o.append("# Shares of the 8 CBP One ports [S26][S27] (estimates, see SOURCES.md); the other ports get none.\n")
    o.append("shares = { " + ", ".join(f'"{p.name}" = {fmt(p.share)}' for p in PORTS if p.cbp_one) + " }\n")
    o.append(f"request_probability = {fmt(REQUEST_PROBABILITY)}  # calibrated\n")
    o.append("# Requests from everywhere but Chiapas and Tabasco (opened to non-Mexicans only in Aug 2024 [S30]).\n")
    o.append(f"eligible_regions = {toml_value(eligible_regions)}\n")
    o.append(f'allocation = "mixed"\nfifo_share = {fmt(FIFO_SHARE)}  # half earliest registrants, half lottery [S73]\n')
    o.append(f"lead_days = {LEAD_DAYS}  # scheduled up to 14 days ahead [S26]\n")
    o.append("\n[ports]  # balking and reneging at the walk-up queues (docs/model.md §8); no source: calibrated\n")
    o.append(f"patience_days = {fmt(PATIENCE_DAYS)}  # join with probability exp(-W / patience), W = expected wait (days)\n")
    o.append(f"renege_probability = {fmt(RENEGE_PROBABILITY)}  # daily, per queued walk-up\n")
    for c in caravans:
        o.append(f"\n[[caravans]]  # {c.note}\n")
        o.append(f'name = "{c.name}"\ndate = {toml_value(c.date)}\norigin = "{c.origin}"\nsize = {c.size}\n')
        o.append(f'source = "waiting"\npath = {toml_value(c.path)}\nspeed_km_per_day = {fmt(c.speed)}\n')
        o.append(f"[[caravans.dispersals]]  # at {c.disperse_at}, the end of the path\n")
        o.append(f"date = {toml_value(c.disperse_date)}\n")
        o.append(f"continue_share = {fmt(c.continue_share)}\npapers_share = {fmt(c.papers_share)}\n")
        if c.relocate_to:
            o.append(f'relocate_to = "{c.relocate_to}"\ndelay_days = {c.delay_days}\n')
    o.append("\n# Waiting for papers (docs/model.md): COMAR offices and the INM relocation of Sep 26, 2023.\n")
    for f in offices:
        o.append(f"\n[[papers]]  # {f.note}\n")
        o.append(f'location = "{f.location}"\nseek_share = {fmt(f.seek_share)}\n')
        o.append(f"days_min = {f.days_min}\ndays_max = {f.days_max}\n")
        o.append(f"give_up_share = {fmt(f.give_up_share)}\n")
        o.append(f"give_up_days_min = {f.give_up_days_min}\ngive_up_days_max = {f.give_up_days_max}\n")
        o.append(f'bus_to = "{f.bus_to}"\nbus_days = {f.bus_days}\n')
    for r in relocations:
        o.append(f'\n[[events]]\ndate = {toml_value(r.date)}\naction = "relocate"\nfrom = "{r.frm}"\n')
        o.append(f'to = "{r.to}"\npeople = {r.people}\ndelay_days = {r.delay_days}  # {r.why}\n')
    o.append("\n# Dated lever changes of the baseline (FACTS §2.2). The full timeline, with the items that\n"
             "# have no model effect and why, is data/timeline_2023-24.csv.\n")
    for t in timeline:
        for e in t.events:
            o.append(event_toml(e, "events"))
    o.append("\n# Policy variants: events appended to the baseline's (same day: baseline first, so these override).\n")
    for name, desc, evs in variants:
        o.append(f'\n[[variants]]\nname = "{name}"\ndescription = {toml_value(desc)}\n')
        for e in evs:
            o.append(event_toml(e, "variants.events"))
    return "".join(o)


def table_text(header, rows) -> str:
    return f"# {GENERATED_NOTE}\n" + csv_text(header, rows)


BEGIN = "<!-- BEGIN GENERATED: scenarios/tools/build_mexico_2023.py -->"
END_MARK = "<!-- END GENERATED -->"


def sources_block(distance_checks):
    o = [BEGIN, "", "### Every number", "",
         "| # | Quantity | Value | Status | Source | Reasoning / note |", "|---|---|---|---|---|---|"]
    for i, e in enumerate(REGISTRY, 1):
        note = e.note.replace("|", "\\|").replace("\n", " ")
        o.append(f"| {i} | {e.key} | {e.value} | {e.status} | {e.source or '—'} | {note} |")
    o += ["", "### Distance checks", "",
          "Shortest path over routes.csv against the long-range distances reported in FACTS §1.2.", "",
          "| From | To | Model km | Reported |", "|---|---|---|---|"]
    for a, b, km, rep in distance_checks:
        o.append(f"| {a} | {b} | {km:,.0f} | {rep} |")
    o += ["", END_MARK]
    return "\n".join(o) + "\n"


def generate(facts_dir):
    """Builds every output as {path relative to scenarios/mexico-2023: text}."""
    REGISTRY.clear()
    for p in PORTS:
        p.appointments = p.walk_up_capacity = p.capacity = p.share = 0.0
    SHELTERS.clear()
    INITIAL.clear()
    files = {}
    src = source_texts(facts_dir)
    for name, text in src.items():
        files[f"data/{name}"] = text
    num("start_date (warm-up from)", START.isoformat(), ESTIMATE, "",
        "June 2023 (after Title 42 ended on May 11 and with CBP One at 1,000-1,450/day [S72][S25]) warms the "
        "network up so that it is populated for the calibration window Jul-Sep 2023.")
    num("report_from (evaluation window)", REPORT_FROM.isoformat(), SOURCED, "docs/design.md §9",
        f"{REPORT_FROM} .. {END}: winter 2023-24; CBP months after Sep 2023 are out-of-sample.")
    num("days", DAYS, DERIVED, "docs/design.md §9", f"{START} .. {END} inclusive.")
    num("seed", 20231224, ESTIMATE, "", "Arbitrary (the day the December caravan left); runs vary it.")
    locations = build_locations(src[NODES_CSV])
    routes = build_routes(src[EDGES_CSV], locations)
    q, _, comp = cbp_daily_means(src[CBP_OBSERVED_CSV])
    usbp_day = {a: v for a, v in q.items() if comp[a] == "U.S. Border Patrol"}
    for s in sorted(usbp_day):
        num(f"USBP encounters/day Jul-Sep 2023, {s}", round(usbp_day[s], 1), DERIVED,
            "[S20] cbp_monthly_to_2023-09.csv", "Calibration target; sum of Jul+Aug+Sep / 92 days.")
    build_ports(src[CBP_OBSERVED_CSV])
    ports_by_name = {p.name: p for p in PORTS}
    crossings = build_crossings(usbp_day)
    non_darien_ratio, p23, p24, rise = interception_levels()
    cps = build_checkpoints(p23, p24, rise)
    inflows = build_inflows(non_darien_ratio, usbp_day, locations)
    caravans = build_caravans()
    south = [r for r in inflows if r[0] == "Ciudad Hidalgo" and "2023-07" <= r[1][:7] <= "2023-09"]
    months_south = sorted({r[1] for r in south})
    inflow_south = sum(r[2] for r in south) / len(months_south)
    offices, relocations = build_papers(inflow_south)
    timeline = build_timeline(cps, ports_by_name)
    variants = build_variants(cps, ports_by_name)
    rules = build_rules()
    eligible_regions = []
    for r in locations:
        if r["country"] == "Mexico" and r["region"] not in ("Chiapas", "Tabasco") + tuple(eligible_regions):
            eligible_regions.append(r["region"])

    validate(locations, routes, cps, caravans, inflows)
    files["locations.csv"] = table_text(
        ["name", "kind", "region", "country", "lat", "lon", "population", "capacity", "shelter_capacity",
         "initial_idps", "note"],
        [[r["name"], r["kind"], r["region"], r["country"], r["lat"], r["lon"], r["population"], r["capacity"],
          r["shelter_capacity"], r["initial_people"], r["note"]] for r in locations])
    files["routes.csv"] = table_text(
        ["from", "to", "distance_km", "source", "note"],
        [[a, b, km, src, f"great circle {fmt(gc)} km; {mode}"] for a, b, km, src, gc, mode in routes])
    files["ports.csv"] = table_text(
        ["port", "border_city", "field_office", "sector", "capacity_per_day", "open", "walk_ups", "queue", "note"],
        [[p.name, p.city, p.field_office, p.sector, p.capacity, True, True, "fifo",
          (f"CBP One: {fmt(p.appointments)} slots + {fmt(p.walk_up_capacity)} walk-ups per day" if p.cbp_one
           else f"no CBP One; {fmt(p.walk_up_capacity)} walk-ups per day")] for p in PORTS])
    files["checkpoints.csv"] = table_text(
        ["name", "from", "to", "direction", "probability", "relocate_to", "delay_days", "source"],
        [[c.name, c.frm, c.to, "forward", c.p2023, c.relocate_to, c.delay, c.source] for c in cps])
    files["crossings.csv"] = table_text(["border_city", "sector", "hazard", "slope", "max_hazard"], crossings)
    files["inflows.csv"] = table_text(["location", "date", "people_per_day", "note"], inflows)
    files["data/timeline_2023-24.csv"] = table_text(
        ["date", "what", "source", "model_effect"], [[t.date, t.what, t.source, t.effect] for t in timeline])
    files["scenario.toml"] = render_toml(rules, caravans, timeline, variants, eligible_regions, offices,
                                         relocations)
    checks = [(a, b, shortest_km(routes, a, b), rep) for a, b, rep in DISTANCE_CHECKS]
    with open(os.path.join(OUT, "SOURCES.md"), encoding="utf-8") as f:
        doc = f.read()
    i, j = doc.find(BEGIN), doc.find(END_MARK)
    assert i >= 0 and j > i, "SOURCES.md lacks the generated-block markers"
    files["SOURCES.md"] = doc[:i] + sources_block(checks) + doc[j + len(END_MARK) + 1:]
    return files


def validate(locations, routes, cps, caravans, inflows):
    """Consistency checks the reader will also make; failing here is cheaper."""
    names = [r["name"] for r in locations]
    assert len(names) == len(set(names)), "duplicate location name"
    links = {(a, b) for a, b, *_ in routes} | {(b, a) for a, b, *_ in routes}
    assert len(links) == 2 * len(routes), "duplicate route"
    for a, b, km, *_ in routes:
        assert km > 0, (a, b)
    # Connected: every location reaches Tapachula.
    for n in names:
        assert shortest_km(routes, "Tapachula", n) < math.inf, f"{n} is unreachable"
    for c in cps:
        assert (c.frm, c.to) in links and c.relocate_to in names, c.name
    for c in caravans:
        steps = [c.origin] + c.path
        for i in range(len(steps) - 1):
            assert (steps[i], steps[i + 1]) in links, (c.name, steps[i], steps[i + 1])
        assert c.disperse_at == steps[-1]
        arrive = c.date + dt.timedelta(days=math.ceil(shortest_km(routes, c.origin, c.disperse_at) / c.speed))
        assert arrive <= c.disperse_date, (c.name, arrive)
    assert abs(sum(p.share for p in PORTS) - 1.0) < 1e-12
    assert sum(p.appointments for p in PORTS) == APPOINTMENTS_PER_DAY
    seen = set()
    for loc, date, v, _ in inflows:
        assert loc in names and v >= 0 and (loc, date) not in seen
        seen.add((loc, date))


def write_atomic(path: str, text: str):
    d = os.path.dirname(path)
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--facts", default=SHARED_FACTS if os.path.isdir(SHARED_FACTS) else None,
                    help="fact sheet folder (default: /work/shared/data/corridor when present, else data/ copies)")
    ap.add_argument("--check", action="store_true", help="fail if a committed file differs from the output")
    a = ap.parse_args()
    files = generate(a.facts)
    stale = []
    for rel, text in sorted(files.items()):
        path = os.path.join(OUT, rel)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(rel)
            if not a.check:
                write_atomic(path, text)
    if a.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)
    print(("would change: " if a.check else "wrote: ") + (", ".join(stale) or "nothing (up to date)"))


if __name__ == "__main__":
    main()
