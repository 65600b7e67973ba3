//! One self-contained HTML file: verdicts, transcripts, latency charts, traceability.

use std::fmt::Write;

use super::html_head::header;
use super::svg::{esc, latency_chart};
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
tr.peer td.d,tr.peer td.x{color:#7c3aed}tr.runner td.d,tr.runner td.x{color:#6b7280;font-style:italic}
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
    }
}

/// The HTML rendering (no external assets).
pub fn render_html(r: &RunReport) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>BC20 conformance report</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(h, "<h1>BC20 MQTT conformance report</h1>");
    header(&mut h, r);
    verdict_table(&mut h, r);
    trace_table(&mut h, r);
    let _ = write!(h, "<h2>Scripts</h2>");
    for s in &r.scripts {
        script_section(&mut h, s);
    }
    let _ = write!(
        h,
        "<p style=\"color:#888\">{} · schema {}</p></body></html>",
        esc(&r.tool),
        esc(&r.schema)
    );
    h
}

fn verdict_table(h: &mut String, r: &RunReport) {
    let _ = write!(
        h,
        "<h2>Verdicts</h2><table><tr><th>script</th><th>verdict</th><th>title</th>\
         <th>first failure / note</th><th>time</th></tr>"
    );
    for s in &r.scripts {
        let mut notes: Vec<String> = Vec::new();
        if let Some(t) = s.tries_note() {
            notes.push(format!("<span class=\"tries\">{}</span>", esc(&t)));
        }
        if s.verdict == Verdict::XPass {
            notes.push("marked xfail but passed: remove the marker".to_owned());
        }
        if let Some(f) = s.first_failure() {
            notes.push(esc(&f));
        } else if s.verdict == Verdict::NotRun {
            notes.extend(s.notices.first().map(|n| esc(n)));
        }
        let _ = write!(
            h,
            "<tr><td><a href=\"#s-{0}\">{0}</a></td><td><span class=\"{1}\">{2}</span></td>\
             <td>{3}</td><td>{4}</td><td>{5:.0} ms</td></tr>",
            esc(id_of(s)),
            verdict_class(s.verdict),
            s.verdict.label(),
            esc(s.title.as_deref().unwrap_or("")),
            notes.join("<br>"),
            s.duration_ms
        );
    }
    for p in &r.pending {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"notrun\">NOT RUN</td><td></td><td></td><td></td></tr>",
            esc(p)
        );
    }
    h.push_str("</table>");
}

fn trace_table(h: &mut String, r: &RunReport) {
    let _ = write!(
        h,
        "<h2>Traceability</h2><p>Each spec clause, form id or result code tagged by a script, \
         with the scripts covering it. Scripts are not tagged step by step, so the verdict is \
         per script: the worst verdict of the scripts that tag the clause. Only a script that \
         FAILED makes a clause FAIL; one that could not run to its end (ERROR, NOT RUN) leaves \
         it NOT ESTABLISHED.</p><table><tr><th>spec</th>\
         <th>worst verdict of the scripts that tag it</th><th>scripts</th></tr>"
    );
    for row in &r.traceability {
        let scripts: Vec<String> = row
            .scripts
            .iter()
            .map(|(n, v)| {
                format!(
                    "<a href=\"#s-{0}\" class=\"{1}\">{0}</a>",
                    esc(n),
                    verdict_class(*v)
                )
            })
            .collect();
        let (class, label) = match row.verdict {
            Some(v) => (clause_class(v), v.label()),
            None => ("fail", "NOT COVERED"),
        };
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"{class}\">{label}</td><td>{}</td></tr>",
            esc(&row.tag),
            scripts.join(" ")
        );
    }
    h.push_str("</table>");
}

fn script_section(h: &mut String, s: &ScriptResult) {
    let open = if matches!(s.verdict, Verdict::Fail | Verdict::Error | Verdict::XPass) || s.flaky()
    {
        " open"
    } else {
        ""
    };
    let _ = write!(
        h,
        "<details id=\"s-{0}\"{open}><summary><span class=\"{1}\">{2}</span> <b>{0}</b> — {3} \
         <small>({4})</small></summary>",
        esc(id_of(s)),
        verdict_class(s.verdict),
        s.verdict.label(),
        esc(s.title.as_deref().unwrap_or("")),
        esc(&s.path)
    );
    if let Some(reason) = &s.xfail {
        let _ = write!(h, "<p>marked <b>xfail</b>: {}</p>", esc(reason));
    }
    if s.verdict == Verdict::XPass {
        h.push_str(
            "<div class=\"banner\">XPASS: the script is marked xfail but passed; the defect \
             looks fixed: remove the marker.</div>",
        );
    }
    if let Some(t) = s.tries_note() {
        let _ = write!(h, "<p class=\"tries\">{}</p><ol>", esc(&t));
        for a in &s.attempts {
            let _ = write!(
                h,
                "<li><span class=\"{}\">{}</span> {:.0} ms {}</li>",
                verdict_class(a.verdict),
                a.verdict.label(),
                a.duration_ms,
                esc(a.message.as_deref().unwrap_or(""))
            );
        }
        let _ = write!(
            h,
            "<li><span class=\"{}\">{}</span> {:.0} ms (this report)</li></ol>",
            verdict_class(s.verdict),
            s.verdict.label(),
            s.duration_ms
        );
    }
    if s.module.is_some() || s.sha256.is_some() {
        let _ = write!(
            h,
            "<p><small>module {} · sha256 <code>{}</code></small></p>",
            esc(s.module.as_deref().unwrap_or("unknown")),
            esc(s.sha256.as_deref().unwrap_or("unknown"))
        );
    }
    if !s.tags.is_empty() {
        let _ = write!(h, "<p>covers: <code>{}</code></p>", esc(&s.tags.join(" ")));
    }
    for f in &s.failures {
        let _ = write!(
            h,
            "<div class=\"failure\"><b>{}</b> <code>{}</code><br>{}</div>",
            esc(&f.at),
            esc(&f.step),
            esc(&f.message)
        );
    }
    for n in &s.notices {
        let _ = write!(h, "<div class=\"notice\">{}</div>", esc(n));
    }
    if let Some(svg) = latency_chart(&s.commands) {
        let _ = write!(
            h,
            "<p class=\"legend\"><b>Response time</b> (log scale): \
             <span><i class=\"sw\" style=\"background:#34a853\"></i>within the note's limit</span>\
             <span><i class=\"sw\" style=\"background:#d93025\"></i>over it</span>\
             <span><i class=\"sw\" style=\"background:#aaa\"></i>no limit in the note</span>\
             <span>| = limit</span></p>{svg}"
        );
    }
    let _ = write!(
        h,
        "<table class=\"tx\"><tr><th>t (s)</th><th>dir</th><th>line</th><th>form</th><th>note</th></tr>"
    );
    for e in &s.transcript {
        let (class, label) = dir_class(e.dir);
        let _ = write!(
            h,
            "<tr class=\"{class}\"><td class=\"t\">{:.3}</td><td class=\"d\">{label}</td>\
             <td class=\"x\"{}>{}</td><td class=\"f\">{}</td><td class=\"n\">{}</td></tr>",
            e.t_ms / 1000.0,
            e.raw_hex
                .as_deref()
                .map(|x| format!(" title=\"bytes (hex): {}\"", esc(x)))
                .unwrap_or_default(),
            esc(&e.text),
            esc(e.form.as_deref().unwrap_or("")),
            esc(e.note.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table></details>");
}
