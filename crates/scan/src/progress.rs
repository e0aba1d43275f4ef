//! A progress bar with ETA on standard error, for long scans on a terminal only.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Shows a bar once a scan has run for a second, only when stderr is a terminal.
#[derive(Debug)]
pub struct TtyProgress {
    /// The words after the count and before the time left (`probes`, `ETA`), in the
    /// user's language.
    words: (String, String),
    enabled: bool,
    started: Instant,
    bar: Option<ProgressBar>,
}

impl TtyProgress {
    /// A bar that appears when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> TtyProgress {
        TtyProgress {
            words: ("probes".into(), "ETA".into()),
            enabled: wanted && std::io::stderr().is_terminal(),
            started: Instant::now(),
            bar: None,
        }
    }

    /// The bar's words in another language: what is counted, and "time left".
    pub fn with_words(mut self, counted: &str, left: &str) -> TtyProgress {
        // Braces would be template syntax: keep them out.
        let clean = |s: &str| s.replace(['{', '}'], "");
        self.words = (clean(counted), clean(left));
        self
    }

    /// Updates the bar (creating it after the first second).
    pub fn update(&mut self, done: u64, total: u64) {
        if !self.enabled || self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let (counted, left) = &self.words;
        let bar = self.bar.get_or_insert_with(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(s) = ProgressStyle::with_template(&format!(
                "{{spinner}} [{{elapsed_precise}}] {{wide_bar}} {{pos}}/{{len}} {counted}, {left} {{eta}}"
            )) {
                b.set_style(s);
            }
            b
        });
        bar.set_length(total.max(done));
        bar.set_position(done);
    }

    /// Runs `f` with the bar hidden (to print a line).
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
