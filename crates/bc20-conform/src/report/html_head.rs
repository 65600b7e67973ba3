//! The top of the HTML report: overall verdict, counts, what was tested, and the
//! certification record.

use std::fmt::Write;

use super::junit::shell_words;
use super::svg::esc;
use super::{RunReport, UNKNOWN};

fn known(s: Option<&str>) -> &str {
    match s {
        Some(s) if !s.is_empty() => s,
        _ => UNKNOWN,
    }
}

fn row(h: &mut String, name: &str, value_html: &str) {
    let _ = write!(h, "<tr><th>{name}</th><td>{value_html}</td></tr>");
}

/// Overall verdict, counts, banners, the target and the certification record.
pub(super) fn header(h: &mut String, r: &RunReport) {
    let s = &r.summary;
    let overall = if !r.complete {
        ("error", "INCOMPLETE")
    } else if r.all_passed() {
        ("pass", "PASS")
    } else {
        ("fail", "FAIL")
    };
    let _ = write!(
        h,
        "<p class=\"summary\"><span class=\"{}\">{}</span><span>{} scripts</span>\
         <span class=\"pass\">{} passed</span><span class=\"fail\">{} failed</span>\
         <span class=\"error\">{} errors</span><span class=\"skipped\">{} skipped</span>\
         <span class=\"xfail\">{} xfailed</span>",
        overall.0, overall.1, s.total, s.passed, s.failed, s.errors, s.skipped, s.xfailed,
    );
    if s.xpassed > 0 {
        let _ = write!(h, "<span class=\"xpass\">{} XPASS</span>", s.xpassed);
    }
    let _ = write!(
        h,
        "<span class=\"notrun\">{} not run</span><span>{:.1} s</span></p>",
        s.not_run + s.pending,
        r.duration_ms / 1000.0
    );
    if let Some(why) = &r.interrupted {
        let _ = write!(
            h,
            "<div class=\"banner\">The run was interrupted: {}. Scripts marked NOT RUN were \
             not tested.</div>",
            esc(why)
        );
    }
    if s.xpassed > 0 {
        let _ = write!(
            h,
            "<div class=\"banner\">{} script(s) marked xfail passed (XPASS): the defect looks \
             fixed; remove the xfail marker.</div>",
            s.xpassed
        );
    }
    if s.flaky > 0 {
        let _ = write!(
            h,
            "<div class=\"banner\">{} script(s) are flaky: their tries disagree (see \
             \"tries\" below).</div>",
            s.flaky
        );
    }
    h.push_str("<table>");
    row(h, "started", &esc(&r.started_at));
    row(
        h,
        "target",
        &format!("{} ({} decoding)", esc(&r.target.kind), esc(&r.target.mode)),
    );
    for l in &r.target.links {
        row(h, "link", &esc(l));
    }
    if let Some(b) = &r.target.broker {
        row(h, "broker", &esc(b));
    }
    if let Some(v) = &r.target.mqtt_version {
        row(h, "MQTT version", &esc(v));
    }
    if !r.target.quirks.is_empty() {
        row(h, "simulator quirks", &esc(&r.target.quirks.join(", ")));
    }
    if let Some(o) = &r.order {
        row(h, "order", &esc(&o.to_string()));
    }
    let m = &r.module;
    row(
        h,
        "module (ATI)",
        &format!("<code>{}</code>", esc(&m.ati.join(" | "))),
    );
    row(
        h,
        "firmware (AT+CGMR)",
        &format!("<code>{}</code>", esc(&m.cgmr.join(" | "))),
    );
    for (name, v) in [("IMEI", &m.imei), ("ICCID", &m.iccid), ("IMSI", &m.imsi)] {
        row(
            h,
            name,
            &format!("<code>{}</code>", esc(known(v.as_deref()))),
        );
    }
    h.push_str("</table>");
    certification(h, r);
}

fn certification(h: &mut String, r: &RunReport) {
    let c = &r.certification;
    h.push_str("<h2>Certification</h2><table>");
    row(h, "tool", &esc(known(Some(&c.tool))));
    row(
        h,
        "tool revision",
        &format!("<code>{}</code>", esc(known(Some(&c.git_revision)))),
    );
    row(
        h,
        "suite revision",
        &format!("<code>{}</code>", esc(known(Some(&c.suite_revision)))),
    );
    row(h, "host", &esc(known(Some(&c.host))));
    row(
        h,
        "command line",
        &format!("<code>{}</code>", esc(&shell_words(&c.command_line))),
    );
    h.push_str("</table>");
    if !c.scripts.is_empty() {
        let _ = write!(
            h,
            "<details><summary>{} script files (SHA-256)</summary><table>",
            c.scripts.len()
        );
        for d in &c.scripts {
            let _ = write!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                esc(known(d.sha256.as_deref())),
                esc(&d.path)
            );
        }
        h.push_str("</table></details>");
    }
}
