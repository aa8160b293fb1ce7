//! Argument parsers shared by the subcommands.

/// A comma-separated list of positive integers, such as a chunk shape `64,256,256`.
#[derive(Clone, Debug)]
pub struct Shape(pub Vec<usize>);

/// A comma-separated list of positive numbers, such as a voxel size `2,0.5,0.5`.
#[derive(Clone, Debug)]
pub struct Sizes(pub Vec<f64>);

/// scipy.ndimage's boundary modes, as `--mode` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Mode {
    Reflect,
    Constant,
    Nearest,
    Mirror,
    Wrap,
}

impl Mode {
    /// The engine's boundary mode, `cval` for `constant`.
    pub fn boundary(self, cval: f64) -> tesserae::BoundaryMode {
        use tesserae::BoundaryMode;
        match self {
            Mode::Reflect => BoundaryMode::Reflect,
            Mode::Constant => BoundaryMode::Constant(cval),
            Mode::Nearest => BoundaryMode::Nearest,
            Mode::Mirror => BoundaryMode::Mirror,
            Mode::Wrap => BoundaryMode::Wrap,
        }
    }
}

/// Parses a [`Shape`].
pub fn shape(text: &str) -> Result<Shape, String> {
    text.split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(0) => Err(format!("'{text}': extents must be positive")),
            Ok(n) => Ok(n),
            Err(_) => Err(format!(
                "'{text}': expected positive integers separated by commas"
            )),
        })
        .collect::<Result<_, _>>()
        .map(Shape)
}

/// Parses [`Sizes`].
pub fn sizes(text: &str) -> Result<Sizes, String> {
    text.split(',')
        .map(|part| match part.trim().parse::<f64>() {
            Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
            _ => Err(format!(
                "'{text}': expected positive numbers separated by commas"
            )),
        })
        .collect::<Result<_, _>>()
        .map(Sizes)
}

/// Parses a byte count: an integer, optionally followed by K, M, G or T
/// (powers of 1024), such as `4G` or `512M`.
pub fn bytes(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let (digits, unit) = match trimmed.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&trimmed[..i], c.to_ascii_uppercase()),
        _ => (trimmed, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        'T' => 40,
        _ => return Err(format!("'{text}': the unit must be K, M, G or T")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1u64 << shift))
        .ok_or_else(|| format!("'{text}': expected a byte count such as 4G or 512M"))
}

/// The chunk shape a command works in: the one given (validated against the
/// image), or about 16 MiB per chunk aligned to the source's native chunks and
/// split so that every worker of `exec` has at least two chunks.
pub fn chunks_for<S: tesserae::Source + ?Sized>(
    source: &S,
    chunks: Option<&Shape>,
    exec: &tesserae::Executor,
) -> tesserae::Result<Vec<usize>> {
    let shape = source.shape();
    Ok(match chunks {
        Some(Shape(c)) => tesserae::ChunkGrid::new(shape, c)?.chunk_shape().to_vec(),
        None => {
            let native = source.chunk_shape();
            let size = <S::Elem as tesserae::Element>::DTYPE.size();
            let chunks = tesserae::engine::default_chunks(shape, native, size);
            tesserae::engine::split_for_workers(shape, &chunks, native, exec.num_threads())
        }
    })
}
