//! CSV tables: written to stdout, or to a file atomically (temporary name, then rename).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tesserae::{Error, Result};

/// A CSV table being written to stdout or to a file.
pub struct Table {
    writer: csv::Writer<Box<dyn Write>>,
    target: Option<(PathBuf, PathBuf)>,
}

impl Table {
    /// A table with the given header, to `path` (refused if it exists, unless
    /// `overwrite`) or to stdout when `path` is `None`.
    pub fn create(path: Option<&Path>, overwrite: bool, header: &[String]) -> Result<Table> {
        let (sink, target): (Box<dyn Write>, _) = match path {
            None => (Box::new(std::io::stdout().lock()), None),
            Some(path) => {
                if path.exists() && !overwrite {
                    return Err(Error::Exists { path: path.into() });
                }
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let temporary =
                    path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
                let file = File::create(&temporary).map_err(|e| Error::io(path, e))?;
                (
                    Box::new(BufWriter::new(file)),
                    Some((temporary, path.to_path_buf())),
                )
            }
        };
        let mut table = Table {
            writer: csv::Writer::from_writer(sink),
            target,
        };
        table.row(header)?;
        Ok(table)
    }

    /// Appends one row.
    pub fn row<S: AsRef<[u8]>>(&mut self, fields: &[S]) -> Result<()> {
        self.writer.write_record(fields).map_err(|e| self.error(e))
    }

    /// Flushes the table and moves it to its final name.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| self.error(e.into()))?;
        if let Some((temporary, path)) = self.target.take() {
            std::fs::rename(&temporary, &path).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    fn error(&self, e: csv::Error) -> Error {
        let path = self
            .target
            .as_ref()
            .map_or_else(|| PathBuf::from("<stdout>"), |(_, p)| p.clone());
        Error::Failed(format!("{}: {e}", path.display()))
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if let Some((temporary, _)) = self.target.take() {
            let _ = std::fs::remove_file(temporary);
        }
    }
}
