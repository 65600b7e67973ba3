//! Console output: a progress bar on a terminal and one verdict line per script.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use bc20_conform::runner::{verdict_line, ScriptResult};
use bc20_conform::script::Script;
use bc20_conform::suite::Progress;

/// Progress bar plus verdict lines (plain lines when stderr is not a terminal).
pub struct Console {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Console {
    /// A console for `total` scripts.
    pub fn new(total: usize, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(total as u64);
            if let Ok(style) =
                ProgressStyle::default_bar().template("{bar:30} {pos}/{len} {elapsed} {msg}")
            {
                b.set_style(style);
            }
            b.enable_steady_tick(Duration::from_millis(200));
            b
        });
        Console { bar, quiet }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Console {
    fn started(&self, script: &Script, _worker: usize) {
        if let Some(b) = &self.bar {
            b.set_message(script.name.clone());
        }
    }

    fn finished(&self, result: &ScriptResult) {
        if self.quiet {
            return;
        }
        let line = verdict_line(result);
        match &self.bar {
            Some(b) => {
                b.println(line);
                b.inc(1);
            }
            None => outln!("{line}"),
        }
    }
}
