//! Progress bars on stderr (indicatif), shown only when stderr is a terminal, and the line saying what a command wrote.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use tesserae::{Executor, Progress};

/// An indicatif bar per stage.
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        let bar = ProgressBar::new(total);
        if let Ok(style) =
            ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} chunks {elapsed}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(stage.to_string());
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
    }

    fn advance(&self, done: u64) {
        if let Some(bar) = &*self.current.lock().unwrap_or_else(|e| e.into_inner()) {
            bar.inc(done);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            bar.finish_and_clear();
        }
    }
}

/// The executor every command runs on: `threads` workers, with bars unless `quiet`
/// or stderr is not a terminal.
pub fn context(threads: usize, quiet: bool) -> tesserae::Result<Executor> {
    let exec = Executor::new().threads(threads)?;
    Ok(if quiet || !std::io::stderr().is_terminal() {
        exec
    } else {
        exec.progress(Arc::new(Bars {
            current: Mutex::new(None),
        }))
    })
}

/// Says on stderr what an image command wrote: path, shape, data type and chunks.
pub fn wrote(path: &std::path::Path, shape: &[usize], dtype: tesserae::DataType, chunks: &[usize]) {
    let shape: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
    eprintln!(
        "wrote {} ({} {dtype}, chunks {chunks:?})",
        path.display(),
        shape.join("x")
    );
}
