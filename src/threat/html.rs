//! The threat-model check as one self-contained HTML file: no script, no network, no CDN.
//! The data-flow diagram is inline SVG laid out by `layout-rs` (a Sugiyama-style layered
//! layout), with trust boundaries drawn as dashed boxes around their components' laid-out
//! positions. A STRIDE-LM × element matrix is coloured by status, and the evidence of violated
//! mitigations links `path:line`. Every string from the model or the code is escaped.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::check::{CheckReport, Outcome, Status};
use super::model::{ComponentKind, ThreatModel};
use crate::rules::meta::Stride;

/// Colours of trust boundaries, in model order.
const PALETTE: [&str; 5] = ["#c5221f", "#1a73e8", "#188038", "#e37400", "#9334e6"];

const CATEGORIES: [Stride; 7] = Stride::ALL;

/// Text safe inside HTML and SVG: controls shown visibly, markup characters as entities.
pub fn html_safe(s: &str) -> String {
    let text = crate::report::escape::terminal_safe(s);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Labels inside the diagram stay short.
fn label(s: &str) -> String {
    let s: String = crate::report::escape::terminal_safe(s).chars().filter(|c| !c.is_control()).collect();
    if s.chars().count() > 40 { format!("{}…", s.chars().take(39).collect::<String>()) } else { s }
}

/// The data-flow diagram as SVG, or `None` when it cannot be laid out.
fn diagram(model: &ThreatModel) -> Option<String> {
    let mut vg = VisualGraph::new(Orientation::LeftToRight);
    let mut handles = BTreeMap::new();
    let size = Point::new(170., 56.);
    let mut add = |id: &str, text: String, style: StyleAttr, circle: bool, vg: &mut VisualGraph| {
        let shape = if circle { ShapeKind::new_circle(&text) } else { ShapeKind::new_box(&text) };
        let h = vg.add_node(Element::create(shape, style, Orientation::LeftToRight, size));
        handles.insert(id.to_string(), h);
    };
    for c in model.components.iter().filter(|c| c.kind != ComponentKind::Boundary) {
        let name = label(c.name.as_deref().unwrap_or(&c.id));
        let (text, fill) = match c.kind {
            ComponentKind::DataStore => (format!("[{name}]"), "#e8f0fe"),
            ComponentKind::ExternalEntity => (name, "#fef7e0"),
            _ => (name, "#ffffff"),
        };
        add(&c.id, text, style(fill), c.kind == ComponentKind::ExternalEntity, &mut vg);
    }
    for p in model.entry_points.iter().chain(&model.exit_points) {
        add(&p.id, format!("▶ {}", label(&p.id)), style("#e6f4ea"), false, &mut vg);
    }
    for f in &model.data_flows {
        if let (Some(&a), Some(&b)) = (handles.get(&f.from), handles.get(&f.to))
            && a != b
        {
            let text = label([f.protocol.clone().unwrap_or_default(), f.claims.join(", ")].join(" ").trim());
            vg.add_edge(Arrow::simple(&text), a, b);
        }
    }
    for p in &model.entry_points {
        if let (Some(c), Some(&a)) = (&p.component, handles.get(&p.id))
            && let Some(&b) = handles.get(c.as_str())
            && !model.data_flows.iter().any(|f| f.from == p.id && f.to == *c)
        {
            vg.add_edge(Arrow::simple(""), a, b);
        }
    }
    if handles.is_empty() {
        return None;
    }
    // An external crate: a panic in its layout must cost the diagram, never the report.
    let laid = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let mut svg = SVGWriter::new();
        vg.do_it(false, false, false, &mut svg);
        (svg.finalize(), vg, handles)
    }))
    .ok()?;
    let (svg, vg, handles) = laid;
    // Trust boundaries: a dashed box in the boundary's colour around each member, nested
    // boundaries further out. (One box around all members would also enclose whatever the
    // layout placed between them.)
    let mut boxes = String::new();
    for (bi, b) in model.boundaries.iter().enumerate() {
        let colour = PALETTE.get(bi % PALETTE.len()).copied().unwrap_or("#c5221f");
        let inset = 5. + 5. * (bi as f64).min(6.);
        for &h in b.components.iter().filter_map(|c| handles.get(c.as_str())) {
            let (a, z) = vg.pos(h).bbox(false);
            let (x0, y0) = ((a.x - inset).max(1.), (a.y - inset).max(1.));
            let _ = writeln!(
                boxes,
                "<rect class=\"boundary\" x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" stroke-dasharray=\"7 4\"><title>{}</title></rect>",
                z.x + inset - x0,
                z.y + inset - y0,
                html_safe(b.name.as_deref().unwrap_or(&b.id))
            );
        }
    }
    let start = svg.find("<svg")?;
    let body = svg.get(start..)?;
    let end = body.rfind("</svg>")?;
    Some(format!("{}{boxes}</svg>", body.get(..end)?))
}

fn style(fill: &str) -> StyleAttr {
    let mut s = StyleAttr::simple();
    s.fill_color = layout::core::color::Color::from_name(fill);
    s.line_width = 1;
    s
}

/// The worst status of the mitigations of threats of `category` that target `element`.
fn cell(report: &CheckReport, model: &ThreatModel, element: &str, category: Stride) -> Option<Status> {
    let targets = |tid: &str| {
        model.threats.iter().find(|t| t.id == tid).is_some_and(|t| {
            t.targets.iter().any(|x| {
                x == element
                    || model.assets.iter().any(|a| a.id == *x && a.components.iter().any(|c| c == element))
                    || model.data_flows.iter().any(|f| f.id == *x && (f.from == element || f.to == element))
            })
        })
    };
    let rank = |s: Status| match s {
        Status::Violated => 3,
        Status::Unverifiable => 2,
        Status::Attested => 1,
        Status::Verified => 0,
    };
    report.mitigations.iter().filter(|m| m.category == category && targets(&m.threat)).map(|m| m.status).max_by_key(|s| rank(*s))
}

/// The check as one self-contained HTML page.
pub fn html(report: &CheckReport, model: &ThreatModel) -> String {
    let mut out = String::new();
    let title = format!("Threat model check: {}", html_safe(&report.system));
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n<title>{title}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p>Model <code>{}</code>, checked against <code>{}</code>.</p>\n",
        html_safe(&report.model),
        html_safe(&report.scanned)
    );
    if report.scan_incomplete {
        out.push_str("<p class=\"warn\">The scan behind this check is incomplete: some input could not be analyzed.</p>\n");
    }
    // Summary.
    out.push_str("<h2>Summary</h2>\n<table class=\"summary\"><thead><tr><th>STRIDE-LM category</th><th>verified</th><th>violated</th><th>unverifiable</th><th>attested</th></tr></thead><tbody>\n");
    for (category, c) in &report.summary {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html_safe(category),
            c.verified,
            c.violated,
            c.unverifiable,
            c.attested
        );
    }
    out.push_str("</tbody></table>\n");
    // Diagram.
    out.push_str("<h2>Data flow</h2>\n");
    if !model.boundaries.is_empty() {
        out.push_str("<p class=\"legend\">Trust boundaries (dashed):");
        for (bi, b) in model.boundaries.iter().enumerate() {
            let colour = PALETTE.get(bi % PALETTE.len()).copied().unwrap_or("#c5221f");
            let _ = write!(
                out,
                " <span style=\"border: 2px dashed {colour}; padding: 0 6px\">{}</span>",
                html_safe(b.name.as_deref().unwrap_or(&b.id))
            );
        }
        out.push_str("</p>\n");
    }
    out.push_str("<div class=\"diagram\">\n");
    match diagram(model) {
        Some(svg) => out.push_str(&svg),
        None => out.push_str("<p>No diagram: the model has no components, or they could not be laid out.</p>"),
    }
    out.push_str("\n</div>\n");
    // Matrix.
    out.push_str("<h2>STRIDE-LM × element</h2>\n<table class=\"matrix\"><thead><tr><th>element</th>");
    for c in CATEGORIES {
        let _ = write!(out, "<th>{}</th>", c.as_str());
    }
    out.push_str("</tr></thead><tbody>\n");
    let elements: Vec<(&str, &str)> = model
        .components
        .iter()
        .filter(|c| c.kind != ComponentKind::Boundary)
        .map(|c| (c.id.as_str(), c.kind.as_str()))
        .chain(model.entry_points.iter().map(|p| (p.id.as_str(), "entry-point")))
        .collect();
    for (id, kind) in elements {
        let _ = write!(out, "<tr><th>{} <small>{kind}</small></th>", html_safe(id));
        for c in CATEGORIES {
            match cell(report, model, id, c) {
                Some(s) => {
                    let _ = write!(out, "<td class=\"{0}\">{0}</td>", s.as_str());
                }
                None => out.push_str("<td class=\"none\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    // Threats and findings.
    out.push_str("<h2>Threats and mitigations</h2>\n");
    let mut current = String::new();
    for m in &report.mitigations {
        if m.threat != current {
            if !current.is_empty() {
                out.push_str("</ul>\n");
            }
            current = m.threat.clone();
            let _ = writeln!(
                out,
                "<h3>{} {} <small>{}</small></h3>\n<ul>",
                html_safe(&m.threat),
                html_safe(&m.threat_title),
                m.category.as_str()
            );
        }
        let _ = write!(
            out,
            "<li><span class=\"badge {0}\">{0}</span> <b>{1}</b> {2} <small>({3})</small>",
            m.status.as_str(),
            html_safe(&m.id),
            html_safe(&m.text),
            html_safe(&m.reason)
        );
        let failing: Vec<_> = m.evidence.iter().filter(|e| e.result != Outcome::Pass).collect();
        if !failing.is_empty() {
            out.push_str("<ul>");
            for e in failing {
                let what = e.result.as_str();
                let _ = write!(
                    out,
                    "<li>{what} {} at <code>{}:{}</code> {}{}</li>",
                    html_safe(&e.rule),
                    html_safe(&e.location.file),
                    e.location.start.line,
                    html_safe(&e.resource),
                    e.message.as_deref().map(|x| format!(": {}", html_safe(x))).unwrap_or_default()
                );
            }
            out.push_str("</ul>");
        }
        out.push_str("</li>\n");
    }
    if !current.is_empty() {
        out.push_str("</ul>\n");
    }
    if !report.drift.is_empty() {
        out.push_str("<h2>Drift</h2>\n<table class=\"drift\"><thead><tr><th>kind</th><th>resource</th><th>where</th><th>detail</th></tr></thead><tbody>\n");
        for d in &report.drift {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td><code>{}:{}</code></td><td>{}</td></tr>",
                d.kind.as_str(),
                html_safe(&d.resource),
                html_safe(&d.location.file),
                d.location.start.line,
                html_safe(&d.detail)
            );
        }
        out.push_str("</tbody></table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

const CSS: &str = "body { font-family: system-ui, sans-serif; margin: 2em; color: #202124; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #dadce0; padding: 4px 8px; text-align: left; }
code { background: #f1f3f4; padding: 1px 4px; }
.diagram { overflow-x: auto; border: 1px solid #dadce0; padding: 8px; }
.verified { background: #ceead6; } .violated { background: #fad2cf; } .unverifiable { background: #fef7e0; }
.attested { background: #d2e3fc; } .none { color: #9aa0a6; text-align: center; }
.badge { padding: 1px 6px; border-radius: 8px; font-size: 0.85em; }
.warn { background: #fef7e0; padding: 8px; }
small { color: #5f6368; }
";
