//! The crate's error type.

use std::path::PathBuf;

use crate::engine::DataType;

/// Everything that can go wrong in tesserae.
///
/// Errors split into two families, which the CLI maps to its exit codes:
/// bad input or bad usage ([`Error::is_bad_input`], exit code 2) and failures
/// while working (exit code 1).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system error on a named file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file the operation was on.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file that does not exist.
    #[error("{}: no such file or directory", path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// A file whose content is not a valid image of its format.
    #[error("{}: {message}", path.display())]
    Format {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A valid file that uses something tesserae does not support.
    #[error("{}: unsupported {what}", path.display())]
    Unsupported {
        /// The offending file.
        path: PathBuf,
        /// The unsupported feature.
        what: String,
    },
    /// An output that exists already and may not be replaced.
    #[error("{}: already exists (pass --overwrite to replace it)", path.display())]
    Exists {
        /// The existing output.
        path: PathBuf,
    },
    /// Two arrays or an array and a region whose shapes do not agree.
    #[error("shape mismatch: expected {expected:?}, found {found:?}")]
    ShapeMismatch {
        /// The shape that was required.
        expected: Vec<usize>,
        /// The shape that was given.
        found: Vec<usize>,
    },
    /// A typed source or sink opened with another element type than the data's.
    #[error("data type mismatch: expected {expected}, found {found}")]
    DataTypeMismatch {
        /// The element type that was asked for.
        expected: DataType,
        /// The element type of the data.
        found: DataType,
    },
    /// An argument outside its domain (a zero chunk extent, a wrong rank, …).
    #[error("{0}")]
    InvalidArgument(String),
    /// A failure while computing or writing, with its context.
    #[error("{0}")]
    Failed(String),
}

impl Error {
    /// True for errors caused by the input or the request rather than by the
    /// environment while working (the CLI exits with code 2 for these, 1 otherwise).
    ///
    /// ```
    /// use tesserae::Error;
    /// assert!(Error::InvalidArgument("chunk shape has a zero".into()).is_bad_input());
    /// assert!(!Error::Failed("disk full".into()).is_bad_input());
    /// ```
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, Error::Io { .. } | Error::Failed(_))
    }

    /// Wraps an I/O error with the path it happened on; a missing file becomes [`Error::NotFound`].
    ///
    /// ```
    /// use std::io::{Error as IoError, ErrorKind};
    /// let e = tesserae::Error::io("out/table.csv", IoError::from(ErrorKind::NotFound));
    /// assert!(e.is_bad_input());
    /// assert_eq!(e.to_string(), "out/table.csv: no such file or directory");
    /// ```
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound { path }
        } else {
            Error::Io { path, source }
        }
    }

    /// A format error on a path.
    pub(crate) fn format(path: impl Into<PathBuf>, message: impl ToString) -> Self {
        Error::Format {
            path: path.into(),
            message: message.to_string(),
        }
    }

    /// An unsupported feature of a file.
    pub(crate) fn unsupported(path: impl Into<PathBuf>, what: impl ToString) -> Self {
        Error::Unsupported {
            path: path.into(),
            what: what.to_string(),
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
