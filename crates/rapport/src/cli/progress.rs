//! Progress on a terminal (indicatif, with rows per second); silence when not a terminal, where
//! only the summary line is printed.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use rapport_app::import::Progress;

/// A progress bar over the bytes of a file, showing rows and rows per second.
pub struct Bar {
    bar: Option<ProgressBar>,
    started: std::time::Instant,
}

impl Bar {
    /// A bar for a file of `bytes` (0 when unknown), or nothing when stderr is not a terminal.
    pub fn new(label: &str, bytes: u64) -> Bar {
        let started = std::time::Instant::now();
        if !std::io::stderr().is_terminal() {
            return Bar { bar: None, started };
        }
        let bar = if bytes > 0 {
            ProgressBar::new(bytes)
        } else {
            ProgressBar::new_spinner()
        };
        let template = if bytes > 0 {
            "{prefix:>12} [{bar:30}] {percent:>3}% {msg} ({eta} left)"
        } else {
            "{prefix:>12} {spinner} {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar {
            bar: Some(bar),
            started,
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn advance(&self, rows: u64, bytes: u64) {
        if let Some(bar) = &self.bar {
            if bytes > 0 {
                bar.set_position(bytes);
            }
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            bar.set_message(format!("{rows} rows, {:.0} rows/s", rows as f64 / secs));
        }
    }

    fn stage(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{what}…"));
        }
    }
}
