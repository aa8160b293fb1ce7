//! `tesserae info INPUT`: what an image holds.

use std::path::{Path, PathBuf};

use tesserae::{Element, Executor, Result, io, with_dtype};

use crate::args;

/// Arguments of `tesserae info`.
#[derive(clap::Args)]
pub struct Args {
    /// A TIFF file or Zarr array.
    input: PathBuf,
    /// Skip the value range (which reads every voxel).
    #[arg(long)]
    no_range: bool,
    /// Chunk shape for the value-range pass (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    println!("path:       {}", args.input.display());
    println!("format:     {}", info.format);
    println!("shape:      {}", join(&info.shape, " x "));
    println!("dtype:      {}", info.dtype);
    println!("chunks:     {}", join(&info.chunk_shape, " x "));
    match &info.voxel_size {
        Some(v) => println!(
            "voxel size: {} {}",
            join(v.size(), " x "),
            v.unit().unwrap_or("(no unit)")
        ),
        None => println!("voxel size: unknown"),
    }
    if !args.no_range {
        let range = with_dtype!(info.dtype, T => value_range::<T>(&args.input, args.chunks.as_ref(), exec)?);
        match range {
            Some((lo, hi)) => println!("range:      {lo} .. {hi}"),
            None => println!("range:      (empty)"),
        }
    }
    Ok(())
}

fn value_range<T: Element>(
    path: &Path,
    chunks: Option<&args::Shape>,
    exec: &Executor,
) -> Result<Option<(String, String)>> {
    let source = io::open::<T>(path)?;
    let chunks = args::chunks_for(&*source, chunks, exec)?;
    let range = tesserae::engine::min_max(exec, &source, Some(&chunks))?;
    Ok(range.map(|r| (r.min.to_string(), r.max.to_string())))
}

fn join<T: std::fmt::Display>(values: &[T], sep: &str) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}
