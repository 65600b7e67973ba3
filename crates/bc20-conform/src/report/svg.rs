//! An inline SVG bar chart: each command's response time against the note's limit.

use crate::runner::CommandTiming;

/// Smallest and largest times on the (logarithmic) axis, ms.
const AXIS_MIN: f64 = 1.0;
const AXIS_MAX: f64 = 100_000.0;
const LABEL_W: f64 = 300.0;
const PLOT_W: f64 = 420.0;
const ROW_H: f64 = 18.0;

fn x_of(ms: f64) -> f64 {
    let v = ms.clamp(AXIS_MIN, AXIS_MAX);
    LABEL_W + (v.log10() - AXIS_MIN.log10()) / (AXIS_MAX.log10() - AXIS_MIN.log10()) * PLOT_W
}

/// Escapes text for XML/HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
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

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// One row per command with a measured latency: a bar (green within the limit, red over,
/// grey when the note gives none) and a black tick at the limit, on a log axis 1 ms–100 s.
/// `None` when no command has a latency.
pub fn latency_chart(commands: &[CommandTiming]) -> Option<String> {
    let rows: Vec<&CommandTiming> = commands.iter().filter(|c| c.latency_ms.is_some()).collect();
    if rows.is_empty() {
        return None;
    }
    let height = ROW_H * rows.len() as f64 + 30.0;
    let width = LABEL_W + PLOT_W + 90.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"response time per command against the note's limit\">"
    );
    for decade in [1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0] {
        let x = x_of(decade);
        let label = if decade >= 1000.0 {
            format!("{}s", decade / 1000.0)
        } else {
            format!("{decade}ms")
        };
        s.push_str(&format!(
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{:.1}\" class=\"grid\"/>\
             <text x=\"{x:.1}\" y=\"{:.1}\" class=\"axis\">{label}</text>",
            height - 18.0,
            height - 4.0
        ));
    }
    for (i, c) in rows.iter().enumerate() {
        let y = i as f64 * ROW_H + 2.0;
        let lat = c.latency_ms.unwrap_or(0.0);
        let class = match c.within_limit {
            Some(true) => "ok",
            Some(false) => "over",
            None => "nolimit",
        };
        let x1 = x_of(lat).max(LABEL_W + 1.0);
        let limit = c.limit_ms.map_or("no limit in the note".to_owned(), |l| {
            format!("limit {l:.0} ms")
        });
        s.push_str(&format!(
            "<g><title>{} — {lat:.1} ms, {}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" class=\"label\">{}</text>\
             <rect x=\"{LABEL_W}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"{class}\"/>",
            esc(&c.command),
            esc(&limit),
            LABEL_W - 6.0,
            y + ROW_H * 0.7,
            esc(&shorten(&c.command, 44)),
            x1 - LABEL_W,
            ROW_H - 5.0,
        ));
        if let Some(l) = c.limit_ms {
            let xl = x_of(l);
            s.push_str(&format!(
                "<line x1=\"{xl:.1}\" y1=\"{:.1}\" x2=\"{xl:.1}\" y2=\"{:.1}\" class=\"limit\"/>",
                y - 1.0,
                y + ROW_H - 2.0
            ));
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" class=\"value\">{lat:.0} ms</text></g>",
            LABEL_W + PLOT_W + 6.0,
            y + ROW_H * 0.7
        ));
    }
    s.push_str("</svg>");
    Some(s)
}
