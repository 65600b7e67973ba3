//! An inline SVG bar chart: each command's response time against the note's limit.

use maud::{html, Markup, PreEscaped};

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

/// A vertical `<line>` at `x` from `y1` to `y2`, self-closed as SVG wants (maud has no `/>`);
/// only numbers and a fixed class go in, so nothing needs escaping.
fn vline(x: f64, y1: &str, y2: f64, class: &str) -> PreEscaped<String> {
    PreEscaped(format!(
        "<line x1=\"{x:.1}\" y1=\"{y1}\" x2=\"{x:.1}\" y2=\"{y2:.1}\" class=\"{class}\"/>"
    ))
}

/// A bar: a self-closed `<rect>` from the left edge of the plot, like [`vline`].
fn bar(y: f64, width: f64, class: &str) -> PreEscaped<String> {
    PreEscaped(format!(
        "<rect x=\"{LABEL_W}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.1}\" class=\"{class}\"/>",
        ROW_H - 5.0
    ))
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
pub fn latency_chart(commands: &[CommandTiming]) -> Option<Markup> {
    let rows: Vec<&CommandTiming> = commands.iter().filter(|c| c.latency_ms.is_some()).collect();
    if rows.is_empty() {
        return None;
    }
    let height = ROW_H * rows.len() as f64 + 30.0;
    let width = LABEL_W + PLOT_W + 90.0;
    Some(html! {
        svg xmlns="http://www.w3.org/2000/svg" class="chart" width=(format!("{width}"))
            height=(format!("{height}")) viewBox=(format!("0 0 {width} {height}")) role="img"
            aria-label="response time per command against the note's limit" {
            @for decade in [1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0] {
                @let x = x_of(decade);
                (vline(x, "0", height - 18.0, "grid"))
                text x=(format!("{x:.1}")) y=(format!("{:.1}", height - 4.0)) class="axis" {
                    @if decade >= 1000.0 {
                        (format!("{}s", decade / 1000.0))
                    } @else {
                        (format!("{decade}ms"))
                    }
                }
            }
            @for (i, c) in rows.iter().enumerate() {
                @let y = i as f64 * ROW_H + 2.0;
                @let lat = c.latency_ms.unwrap_or(0.0);
                @let class = match c.within_limit {
                    Some(true) => "ok",
                    Some(false) => "over",
                    None => "nolimit",
                };
                @let x1 = x_of(lat).max(LABEL_W + 1.0);
                @let limit = c.limit_ms.map_or("no limit in the note".to_owned(), |l| {
                    format!("limit {l:.0} ms")
                });
                g {
                    title { (c.command) " — " (format!("{lat:.1}")) " ms, " (limit) }
                    text x=(format!("{:.1}", LABEL_W - 6.0)) y=(format!("{:.1}", y + ROW_H * 0.7))
                        class="label" { (shorten(&c.command, 44)) }
                    (bar(y, x1 - LABEL_W, class))
                    @if let Some(l) = c.limit_ms {
                        @let xl = x_of(l);
                        (vline(xl, &format!("{:.1}", y - 1.0), y + ROW_H - 2.0, "limit"))
                    }
                    text x=(format!("{:.1}", LABEL_W + PLOT_W + 6.0))
                        y=(format!("{:.1}", y + ROW_H * 0.7)) class="value" {
                        (format!("{lat:.0}")) " ms"
                    }
                }
            }
        }
    })
}
