//! One self-contained HTML file: verdicts, transcripts, latency charts, traceability.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::html_head::header;
use super::svg::latency_chart;
use super::{ClauseVerdict, RunReport};
use crate::runner::{ScriptResult, Verdict};
use crate::transcript::Dir;

const STYLE: &str = "
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222;max-width:1200px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}.pass{color:#14803c;font-weight:600}.fail{color:#c0262d;font-weight:600}
.error{color:#b45309;font-weight:600}.skipped{color:#666;font-weight:600}
.xfail{color:#7c3aed;font-weight:600}.notrun{color:#666;font-weight:600;font-style:italic}
.xpass{color:#fff;background:#d97706;font-weight:700;padding:0 4px;border-radius:3px}
.banner{background:#fff3cd;border:2px solid #d97706;padding:.4em .8em;margin:.6em 0;font-weight:600}
.tries{color:#b45309;font-weight:600}
.summary span{margin-right:1.5em}details{margin:.4em 0;border:1px solid #ddd;border-radius:4px;padding:.3em .6em}
summary{cursor:pointer}code,pre,.tx td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.tx{width:100%}.tx td.t{text-align:right;color:#666;white-space:nowrap}.tx td.d{white-space:nowrap;font-weight:600}
tr.host td.d,tr.host td.x{color:#1d4ed8}tr.module td.d,tr.module td.x{color:#047857}
tr.peer td.d,tr.peer td.x{color:#7c3aed}tr.runner td.d,tr.runner td.x{color:#6b7280;font-style:italic}tr.network td.d,tr.network td.x{color:#b45309}
td.x{white-space:pre-wrap;word-break:break-all}td.f,td.n{color:#888;font-size:11px}
.failure{background:#fdecec;border-left:3px solid #c0262d;padding:.3em .6em;margin:.3em 0}
.notice{background:#fff7e6;border-left:3px solid #b45309;padding:.3em .6em;margin:.3em 0}
svg.chart .grid{stroke:#eee}svg.chart .axis{font-size:10px;fill:#888;text-anchor:middle}
svg.chart .label{font:11px ui-monospace,monospace;text-anchor:end;fill:#333}
svg.chart .value{font-size:11px;fill:#333}svg.chart .ok{fill:#34a853}svg.chart .over{fill:#d93025}
svg.chart .nolimit{fill:#aaa}svg.chart .limit{stroke:#000;stroke-width:2}
.legend span{margin-right:1em}.sw{display:inline-block;width:10px;height:10px;margin-right:4px}
";

/// The CSS class of a verdict (also used by the header and the traceability table).
pub(super) fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Error => "error",
        Verdict::Skipped => "skipped",
        Verdict::XFail => "xfail",
        Verdict::XPass => "xpass",
        Verdict::NotRun => "notrun",
    }
}

fn clause_class(v: ClauseVerdict) -> &'static str {
    match v {
        ClauseVerdict::Fail => "fail",
        ClauseVerdict::XFail => "xfail",
        ClauseVerdict::NotEstablished => "error",
        ClauseVerdict::Pass => "pass",
        ClauseVerdict::Skipped => "skipped",
    }
}

/// The script's case id, or its name in a report that has none.
fn id_of(s: &ScriptResult) -> &str {
    if s.id.is_empty() {
        &s.name
    } else {
        &s.id
    }
}

fn dir_class(d: Dir) -> (&'static str, &'static str) {
    match d {
        Dir::Host => ("host", "host→module"),
        Dir::Module => ("module", "module→host"),
        Dir::Peer => ("peer", "peer"),
        Dir::Runner => ("runner", "runner"),
        Dir::Network => ("network", "network"),
    }
}

/// The HTML rendering (no external assets).
pub fn render_html(r: &RunReport) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "BC20 conformance report" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "BC20 MQTT conformance report" }
                (header(r))
                (verdict_table(r))
                (trace_table(r))
                h2 { "Scripts" }
                @for s in &r.scripts {
                    (script_section(s))
                }
                p style="color:#888" { (r.tool) " · schema " (r.schema) }
            }
        }
    }
    .into_string()
}

fn verdict_table(r: &RunReport) -> Markup {
    html! {
        h2 { "Verdicts" }
        table {
            tr { th { "script" } th { "verdict" } th { "title" } th { "first failure / note" } th { "time" } }
            @for s in &r.scripts {
                tr {
                    td { a href={ "#s-" (id_of(s)) } { (id_of(s)) } }
                    td { span class=(verdict_class(s.verdict)) { (s.verdict.label()) } }
                    td { (s.title.as_deref().unwrap_or("")) }
                    td { (verdict_notes(s)) }
                    td { (format!("{:.0}", s.duration_ms)) " ms" }
                }
            }
            @for p in &r.pending {
                tr { td { (p) } td class="notrun" { "NOT RUN" } td {} td {} td {} }
            }
        }
    }
}

/// The tries, the XPASS advice and the first failure (or why the script did not run),
/// one per line.
fn verdict_notes(s: &ScriptResult) -> Markup {
    let mut notes: Vec<Markup> = Vec::new();
    if let Some(t) = s.tries_note() {
        notes.push(html! { span class="tries" { (t) } });
    }
    if s.verdict == Verdict::XPass {
        notes.push(html! { "marked xfail but passed: remove the marker" });
    }
    if let Some(f) = s.first_failure() {
        notes.push(html! { (f) });
    } else if s.verdict == Verdict::NotRun {
        notes.extend(s.notices.first().map(|n| html! { (n) }));
    }
    html! {
        @for (i, n) in notes.iter().enumerate() {
            @if i > 0 { br; }
            (n)
        }
    }
}

fn trace_table(r: &RunReport) -> Markup {
    html! {
        h2 { "Traceability" }
        p {
            "Each spec clause, form id or result code tagged by a script, \
             with the scripts covering it. Scripts are not tagged step by step, so the verdict is \
             per script: the worst verdict of the scripts that tag the clause. Only a script that \
             FAILED makes a clause FAIL; one that could not run to its end (ERROR, NOT RUN) leaves \
             it NOT ESTABLISHED."
        }
        table {
            tr { th { "spec" } th { "worst verdict of the scripts that tag it" } th { "scripts" } }
            @for row in &r.traceability {
                @let (class, label) = match row.verdict {
                    Some(v) => (clause_class(v), v.label()),
                    None => ("fail", "NOT COVERED"),
                };
                tr {
                    td { code { (row.tag) } }
                    td class=(class) { (label) }
                    td {
                        @for (i, (n, v)) in row.scripts.iter().enumerate() {
                            @if i > 0 { " " }
                            a href={ "#s-" (n) } class=(verdict_class(*v)) { (n) }
                        }
                    }
                }
            }
        }
    }
}

fn script_section(s: &ScriptResult) -> Markup {
    let open = matches!(s.verdict, Verdict::Fail | Verdict::Error | Verdict::XPass) || s.flaky();
    html! {
        details id={ "s-" (id_of(s)) } open[open] {
            summary {
                span class=(verdict_class(s.verdict)) { (s.verdict.label()) }
                " " b { (id_of(s)) } " — " (s.title.as_deref().unwrap_or("")) " "
                small { "(" (s.path) ")" }
            }
            @if let Some(reason) = &s.xfail {
                p { "marked " b { "xfail" } ": " (reason) }
            }
            @if s.verdict == Verdict::XPass {
                div class="banner" {
                    "XPASS: the script is marked xfail but passed; the defect \
                     looks fixed: remove the marker."
                }
            }
            @if let Some(t) = s.tries_note() {
                p class="tries" { (t) }
                ol {
                    @for a in &s.attempts {
                        li {
                            span class=(verdict_class(a.verdict)) { (a.verdict.label()) }
                            " " (format!("{:.0}", a.duration_ms)) " ms "
                            (a.message.as_deref().unwrap_or(""))
                        }
                    }
                    li {
                        span class=(verdict_class(s.verdict)) { (s.verdict.label()) }
                        " " (format!("{:.0}", s.duration_ms)) " ms (this report)"
                    }
                }
            }
            @if s.module.is_some() || s.sha256.is_some() {
                p { small {
                    "module " (s.module.as_deref().unwrap_or("unknown"))
                    " · sha256 " code { (s.sha256.as_deref().unwrap_or("unknown")) }
                } }
            }
            @if !s.tags.is_empty() {
                p { "covers: " code { (s.tags.join(" ")) } }
            }
            @for f in &s.failures {
                div class="failure" { b { (f.at) } " " code { (f.step) } br; (f.message) }
            }
            @for n in &s.notices {
                div class="notice" { (n) }
            }
            @if let Some(svg) = latency_chart(&s.commands) {
                p class="legend" {
                    b { "Response time" } " (log scale): "
                    span { i class="sw" style="background:#34a853" {} "within the note's limit" }
                    span { i class="sw" style="background:#d93025" {} "over it" }
                    span { i class="sw" style="background:#aaa" {} "no limit in the note" }
                    span { "| = limit" }
                }
                (svg)
            }
            table class="tx" {
                tr { th { "t (s)" } th { "dir" } th { "line" } th { "form" } th { "note" } }
                @for e in &s.transcript {
                    @let (class, label) = dir_class(e.dir);
                    tr class=(class) {
                        td class="t" { (format!("{:.3}", e.t_ms / 1000.0)) }
                        td class="d" { (label) }
                        td class="x" title=[e.raw_hex.as_deref().map(|x| format!("bytes (hex): {x}"))] {
                            (e.text)
                        }
                        td class="f" { (e.form.as_deref().unwrap_or("")) }
                        td class="n" { (e.note.as_deref().unwrap_or("")) }
                    }
                }
            }
        }
    }
}
