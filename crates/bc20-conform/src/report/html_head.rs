//! The top of the HTML report: overall verdict, counts, what was tested, and the
//! certification record.

use maud::{html, Markup};

use super::junit::shell_words;
use super::{RunReport, UNKNOWN};

fn known(s: Option<&str>) -> &str {
    match s {
        Some(s) if !s.is_empty() => s,
        _ => UNKNOWN,
    }
}

fn row(name: &str, value: Markup) -> Markup {
    html! { tr { th { (name) } td { (value) } } }
}

fn code_row(name: &str, value: &str) -> Markup {
    row(name, html! { code { (value) } })
}

/// Overall verdict, counts, banners, the target and the certification record.
pub(super) fn header(r: &RunReport) -> Markup {
    let s = &r.summary;
    let (class, label) = if !r.complete {
        ("error", "INCOMPLETE")
    } else if r.all_passed() {
        ("pass", "PASS")
    } else {
        ("fail", "FAIL")
    };
    let m = &r.module;
    html! {
        p class="summary" {
            span class=(class) { (label) }
            span { (s.total) " scripts" }
            span class="pass" { (s.passed) " passed" }
            span class="fail" { (s.failed) " failed" }
            span class="error" { (s.errors) " errors" }
            span class="skipped" { (s.skipped) " skipped" }
            span class="xfail" { (s.xfailed) " xfailed" }
            @if s.xpassed > 0 {
                span class="xpass" { (s.xpassed) " XPASS" }
            }
            span class="notrun" { (s.not_run + s.pending) " not run" }
            span { (format!("{:.1}", r.duration_ms / 1000.0)) " s" }
        }
        @if let Some(why) = &r.interrupted {
            div class="banner" {
                "The run was interrupted: " (why) ". Scripts marked NOT RUN were not tested."
            }
        }
        @if s.xpassed > 0 {
            div class="banner" {
                (s.xpassed) " script(s) marked xfail passed (XPASS): the defect looks \
                 fixed; remove the xfail marker."
            }
        }
        @if s.flaky > 0 {
            div class="banner" {
                (s.flaky) " script(s) are flaky: their tries disagree (see \"tries\" below)."
            }
        }
        table {
            (row("started", html! { (r.started_at) }))
            (row("target", html! { (r.target.kind) " (" (r.target.mode) " decoding)" }))
            @for l in &r.target.links {
                (row("link", html! { (l) }))
            }
            @if let Some(b) = &r.target.broker {
                (row("broker", html! { (b) }))
            }
            @if let Some(v) = &r.target.mqtt_version {
                (row("MQTT version", html! { (v) }))
            }
            @if !r.target.quirks.is_empty() {
                (row("simulator quirks", html! { (r.target.quirks.join(", ")) }))
            }
            @if let Some(o) = &r.order {
                (row("order", html! { (o.to_string()) }))
            }
            (code_row("module (ATI)", &m.ati.join(" | ")))
            (code_row("firmware (AT+CGMR)", &m.cgmr.join(" | ")))
            @for (name, v) in [("IMEI", &m.imei), ("ICCID", &m.iccid), ("IMSI", &m.imsi)] {
                (code_row(name, known(v.as_deref())))
            }
        }
        (certification(r))
    }
}

fn certification(r: &RunReport) -> Markup {
    let c = &r.certification;
    html! {
        h2 { "Certification" }
        table {
            (row("tool", html! { (known(Some(&c.tool))) }))
            (code_row("tool revision", known(Some(&c.git_revision))))
            (code_row("suite revision", known(Some(&c.suite_revision))))
            (row("host", html! { (known(Some(&c.host))) }))
            (code_row("command line", &shell_words(&c.command_line)))
        }
        @if !c.scripts.is_empty() {
            details {
                summary { (c.scripts.len()) " script files (SHA-256)" }
                table {
                    @for d in &c.scripts {
                        tr { td { code { (known(d.sha256.as_deref())) } } td { (d.path) } }
                    }
                }
            }
        }
    }
}
