//! HTML helpers: escaping, number formatting, tables, and the page shell with its
//! inline CSS and JS.
//!
//! Invariants: every string that comes from data passes through [`esc`] before it
//! reaches the page; the page loads nothing from anywhere (no `src`/`href` to
//! another document, no fonts, no imports), and a Content-Security-Policy meta tag
//! forbids it anyway. The page's only scripts are the error recorder (first thing
//! in `<body>`, so it sees errors of later scripts) and the map slider.

use std::fmt::Write as _;

/// Escapes text for use in HTML/SVG text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Makes an element id from a label: ASCII letters/digits, others to `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

/// Groups the digits of a whole number: `12345` -> `12,345`.
fn group(int: u64) -> String {
    let s = int.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A number for tables: whole numbers with thousands separators, others with
/// `decimals` decimals; `–` for NaN.
pub fn num(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let neg = v < 0.0;
    let a = v.abs();
    let body = if (a - a.round()).abs() < 1e-9 || decimals == 0 {
        group(a.round() as u64)
    } else {
        let s = format!("{a:.decimals$}");
        let (i, f) = s.split_once('.').unwrap_or((&s, ""));
        let i: u64 = i.parse().unwrap_or(0);
        if f.is_empty() {
            group(i)
        } else {
            format!("{}.{f}", group(i))
        }
    };
    if neg && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{body}")
    } else {
        body
    }
}

/// A number with exactly `decimals` decimals and thousands separators (axis ticks).
pub fn num_fixed(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = format!("{:.decimals$}", v.abs());
    let (i, f) = s.split_once('.').unwrap_or((&s, ""));
    let body = match i.parse::<u64>() {
        Ok(i) if f.is_empty() => group(i),
        Ok(i) => format!("{}.{f}", group(i)),
        Err(_) => s.clone(),
    };
    if v < 0.0 && body.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{body}")
    } else {
        body
    }
}

/// Like [`num`] with at most `decimals` decimals, trailing zeros dropped.
pub fn num_trim(v: f64, decimals: usize) -> String {
    let s = num(v, decimals);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A JSON scalar for display: numbers via [`num`], strings as they are.
pub fn json_scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => Some(match n.as_f64() {
            Some(f) if n.is_f64() => num_trim(f, 4),
            _ => {
                let s = n.to_string();
                s.parse::<f64>().map(|f| num(f, 0)).unwrap_or(s)
            }
        }),
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        serde_json::Value::Null => Some("–".into()),
        _ => None,
    }
}

/// An identifier such as a seed: whole numbers as plain digits (a seed is a
/// name, not a quantity: no thousands separators), strings as they are.
pub fn ident(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// Turns `snake_case` keys into words for row headers.
pub fn words(key: &str) -> String {
    key.replace('_', " ")
}

/// A table; `header` and `rows` are already-escaped HTML cells. Cells that look
/// numeric are right-aligned by the `num` class.
pub fn table(class: &str, header: &[String], rows: &[Vec<String>]) -> String {
    let mut h = format!("<div class=\"table-wrap\"><table class=\"{class}\"><thead><tr>");
    for c in header {
        let _ = write!(h, "<th>{c}</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            if i == 0 {
                let _ = write!(h, "<th scope=\"row\">{c}</th>");
            } else if looks_numeric(c) {
                let _ = write!(h, "<td class=\"num\">{c}</td>");
            } else {
                let _ = write!(h, "<td>{c}</td>");
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    h
}

fn looks_numeric(cell: &str) -> bool {
    let t = cell.split('<').next().unwrap_or("");
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || ",.−-+% –".contains(c))
}

/// Serialises data for a `<script type="application/json">` block: `<`, `>` and
/// `&` are written as JSON escapes so no text in it can close the element.
pub fn json_for_script(v: &serde_json::Value) -> String {
    let s = serde_json::to_string(v).unwrap_or_else(|_| "null".into());
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// One `<section>` of the report.
pub struct Section {
    pub id: String,
    pub title: String,
    pub body: String,
}

/// The header facts shown at the top.
pub struct Header {
    pub title: String,
    pub subtitle: String,
    /// (label, already-escaped value).
    pub facts: Vec<(String, String)>,
}

/// Assembles the whole page.
pub fn page(
    header: &Header,
    sections: &[Section],
    map_data: Option<&str>,
    version: &str,
) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    let _ = writeln!(h, "<title>{} — corridor report</title>", esc(&header.title));
    let _ = writeln!(h, "<style>{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(h, "<script>{ERROR_JS}</script>");
    h.push_str("<div id=\"js-errors\" class=\"js-errors\" role=\"alert\" hidden></div>\n");
    let _ = write!(
        h,
        "<header class=\"top\"><p class=\"kicker\">corridor report</p><h1>{}</h1><p class=\"sub\">{}</p><dl class=\"facts\">",
        esc(&header.title),
        esc(&header.subtitle)
    );
    for (k, v) in &header.facts {
        let _ = write!(h, "<div><dt>{}</dt><dd>{v}</dd></div>", esc(k));
    }
    h.push_str("</dl></header>\n<nav class=\"toc\" aria-label=\"Sections\"><ol>");
    for s in sections {
        let _ = write!(h, "<li><a href=\"#{}\">{}</a></li>", s.id, esc(&s.title));
    }
    h.push_str("</ol></nav>\n<main>\n");
    for s in sections {
        let _ = writeln!(
            h,
            "<section id=\"{}\"><h2>{}</h2>\n{}\n</section>",
            s.id,
            esc(&s.title),
            s.body
        );
    }
    let _ = writeln!(
        h,
        "</main>\n<footer>Made by corridor-report {} from the files of the run directory; \
         re-render with <code>corridor report DIR</code>. Counts are people as simulated \
         (agents × hasten).</footer>",
        esc(version)
    );
    if let Some(data) = map_data {
        let _ = writeln!(
            h,
            "<script type=\"application/json\" id=\"map-data\">{data}</script>"
        );
        let _ = writeln!(h, "<script>{MAP_JS}</script>");
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// Records script errors in `document.body.dataset.errors` (read by headless
/// checks) and shows them in a banner.
const ERROR_JS: &str = "window.onerror=function(msg,src,line,col){var b=document.body;if(!b){return false;}\
var t=String(msg)+' (line '+line+':'+col+')';b.dataset.errors=b.dataset.errors?b.dataset.errors+' | '+t:t;\
var e=document.getElementById('js-errors');if(e){e.hidden=false;e.textContent='Script error: '+b.dataset.errors;}return false;};";

/// The day slider of the network map: resizes node marks from the embedded
/// frames. Without JS the controls stay hidden and the SVG shows the last day.
const MAP_JS: &str = r#"(function(){
var el=document.getElementById('map-data');var svg=document.getElementById('map-svg');
if(!el||!svg){return;}
var d=JSON.parse(el.textContent);if(!d.frames.length){return;}
var nodes=svg.querySelectorAll('g.node');
var slider=document.getElementById('map-day');var label=document.getElementById('map-day-label');
function fmt(v){return Math.round(v).toLocaleString('en-US');}
function radius(v){if(!(v>0)){return d.rzero;}return Math.max(d.rmin,d.rmax*Math.sqrt(v/d.vmax));}
function show(i){var f=d.frames[i];
for(var k=0;k<nodes.length;k++){var g=nodes[k];var v=f[k];var r=radius(v);
var cx=+g.getAttribute('data-x');var cy=+g.getAttribute('data-y');var m=g.firstElementChild;
if(m.tagName==='rect'){var s=r*0.9;m.setAttribute('x',(cx-s).toFixed(1));m.setAttribute('y',(cy-s).toFixed(1));
m.setAttribute('width',(2*s).toFixed(1));m.setAttribute('height',(2*s).toFixed(1));}
else{m.setAttribute('r',r.toFixed(1));}
m.setAttribute('class',v>0?'mark':'mark empty');
var t=g.querySelector('title');if(t){t.textContent=g.getAttribute('data-label')+': '+fmt(v)+' people on '+d.dates[i];}}
label.textContent=d.dates[i];}
slider.addEventListener('input',function(){show(+slider.value);});
document.getElementById('map-controls').hidden=false;
show(+slider.value);
})();"#;

/// The map's CSS rules as a literal (so [`CSS`] can include them with `concat!`).
macro_rules! map_css {
    () => {
        "svg.map .link{stroke:#b9c2c9;stroke-width:1.1}
svg.map .mark{fill-opacity:.85;stroke-width:1}
svg.map .mark:not(.empty){stroke:#fff}
svg.map .mark.empty{fill:#fff;stroke-width:1.5}
svg.map .label{font-size:11px;fill:#26323b;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg.map .size-legend circle{fill:none;stroke:#7b8790}
svg.map .map-bg{fill:#f3f6f7;stroke:#e1e6e9}
svg.map .outlines path{fill:none;stroke-linejoin:round;stroke-linecap:round}
svg.map .outlines .coast{stroke:#8fb3c9;stroke-width:1.1}
svg.map .outlines .border{stroke:#9aa3aa;stroke-width:1;stroke-dasharray:4 3}
svg.map .leader{stroke:#7b8790;stroke-width:.8}
"
    };
}

/// The CSS of the network map that [`crate::map`] draws (`<svg class="map">`):
/// one set of rules for report.html and every other page that shows the map
/// (the what-if server's page includes it instead of a copy).
pub const MAP_CSS: &str = map_css!();

const CSS: &str = concat!(
    r#"
:root{--ink:#1f2933;--muted:#5f6b76;--line:#dfe3e6;--bg:#f6f5f1;--card:#fff;--accent:#2f5d7c;}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;}
header.top{max-width:1120px;margin:0 auto;padding:28px 24px 8px}
.kicker{margin:0;color:var(--accent);font-size:12px;letter-spacing:.08em;text-transform:uppercase;font-weight:600}
h1{margin:4px 0 2px;font-size:28px;font-weight:650}
.sub{margin:0 0 14px;color:var(--muted)}
.kv-row{display:flex;flex-wrap:wrap;gap:0 36px;align-items:flex-start}
dl.facts{display:flex;flex-wrap:wrap;gap:8px 12px;margin:0}
dl.facts div{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 12px}
dl.facts dt{font-size:11px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
dl.facts dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
nav.toc{max-width:1120px;margin:0 auto;padding:4px 24px}
nav.toc ol{list-style:none;display:flex;flex-wrap:wrap;gap:6px;padding:0;margin:8px 0}
nav.toc a{display:inline-block;padding:3px 10px;border-radius:14px;background:#e8eef2;color:var(--accent);text-decoration:none;font-size:13px}
nav.toc a:hover{background:#d6e2ea}
main{max-width:1120px;margin:0 auto;padding:0 24px 24px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:18px 22px;margin:16px 0}
h2{margin:0 0 10px;font-size:20px;font-weight:650}
h3{margin:18px 0 6px;font-size:15px;font-weight:600}
p.note{color:var(--muted);font-size:13px;margin:4px 0 10px}
figure{margin:10px 0 16px}
figcaption{font-weight:600;font-size:14px;margin-bottom:4px}
svg{display:block;width:100%;height:auto;font-family:inherit}
svg text{fill:#4a5560;font-size:12px}
svg .tick line{stroke:#eceff1}
svg .axis{stroke:#9aa5ad}
svg .axis-label{fill:#5f6b76;font-size:12px}
svg .line{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
svg .line.dashed{stroke-dasharray:5 4;stroke-width:1.8}
svg .band{stroke:none;fill-opacity:.18}
svg .ref{stroke:#8a6d3b;stroke-dasharray:3 3;stroke-width:1.2}
svg .whisker{stroke:#33404a;stroke-width:1.2;fill:none}
svg .spot{stroke-width:1.6;fill:none}
svg .dot{stroke:#fff;stroke-width:1}
svg .bar{stroke:#fff;stroke-width:.5}
svg .span-label{font-size:11px;fill:#5f6b76}
"#,
    map_css!(),
    r#"ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:4px 0 0;font-size:13px;color:#36424c}
ul.legend li{display:flex;align-items:center;gap:6px}
.sw{display:inline-block;width:14px;height:4px;border-radius:2px}
.sw.box{height:12px;width:12px;border-radius:3px}
.sw.dot{height:11px;width:11px;border-radius:50%}
.sw.diamond{height:9px;width:9px;transform:rotate(45deg);border-radius:1px}
.sw.dash{background:repeating-linear-gradient(90deg,#444 0 5px,transparent 5px 8px)!important}
.sw.band{height:12px;opacity:.35;border-radius:2px}
.multiples{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:8px 18px}
.multiples figure{margin:4px 0}
.multiples figcaption{font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 12px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:160px}
.card .v{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}
.card .k{font-size:12px;color:var(--muted)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:6px 0 12px;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-weight:600;color:var(--muted);border-bottom:2px solid var(--line)}
tbody th{font-weight:500}
td.num{text-align:right;white-space:nowrap}
.delta{display:block;font-size:11px;color:var(--muted)}
.noise{font-style:italic}
.real{font-weight:600;color:var(--fg, #222)}
#map-controls{display:flex;align-items:center;gap:12px;margin:6px 0}
#map-controls input{flex:1;max-width:520px}
#map-day-label{font-weight:600;font-variant-numeric:tabular-nums;min-width:7em}
.js-errors{background:#fbe9e7;color:#8a1c0b;border-bottom:1px solid #e8b4aa;padding:8px 24px;font-weight:600}
ul.warnings{margin:4px 0 0;padding-left:20px;color:#7a5a1a}
details{margin:6px 0}
summary{cursor:pointer;color:var(--accent)}
code{font-size:13px;background:#eef1f3;padding:1px 4px;border-radius:3px}
footer{max-width:1120px;margin:0 auto;padding:8px 24px 32px;color:var(--muted);font-size:12px}
@media print{
body{background:#fff;font-size:12px}
nav.toc,#map-controls,.js-errors{display:none!important}
section{border:none;padding:0;margin:14px 0;break-inside:auto}
figure,table,.card{break-inside:avoid}
h2{break-after:avoid}
header.top,main,footer{max-width:none;padding-left:0;padding-right:0}
}
"#
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            esc(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("Tapachula"), "Tapachula");
    }

    #[test]
    fn json_in_script_cannot_close_the_element() {
        let v = serde_json::json!({"name": "</script><b>&"});
        let s = json_for_script(&v);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn formats_numbers() {
        assert_eq!(num(1234567.0, 2), "1,234,567");
        assert_eq!(num(999.0, 0), "999");
        assert_eq!(num(0.41234, 3), "0.412");
        assert_eq!(num(12345.678, 1), "12,345.7");
        assert_eq!(num(-1500.0, 0), "−1,500");
        assert_eq!(num(-0.0001, 2), "0.00");
        assert_eq!(num(f64::NAN, 2), "–");
        assert_eq!(num_fixed(0.5, 2), "0.50");
        assert_eq!(num_trim(2100.5, 4), "2,100.5");
        assert_eq!(num_trim(0.25, 4), "0.25");
        assert_eq!(num_fixed(12000.0, 1), "12,000.0");
        assert_eq!(num_fixed(-2.0, 0), "−2");
        // Seeds are identifiers: no separators.
        assert_eq!(ident(&serde_json::json!(20231224)).unwrap(), "20231224");
        assert_eq!(ident(&serde_json::json!("abc")).unwrap(), "abc");
        assert_eq!(ident(&serde_json::json!(null)), None);
    }

    #[test]
    fn slugs_are_safe_ids() {
        assert_eq!(slug("U.S. Border Patrol"), "u-s-border-patrol");
        assert_eq!(slug("\"><x"), "x");
        assert_eq!(slug(""), "x");
    }
}
