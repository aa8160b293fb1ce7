//! `tesserae clear-border INPUT OUTPUT`: objects touching the image border
//! removed, as scikit-image's clear_border.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::labels::ClearBorder;
use tesserae::ndmeasure::LabelValue;
use tesserae::{Error, Executor, Result, Source};

use crate::args;
use crate::labels::with_label_dtype;

/// Arguments of `tesserae clear-border`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image or mask (TIFF or Zarr, integer type).
    input: PathBuf,
    /// The cleared image (TIFF or Zarr), in the input's type.
    output: PathBuf,
    /// Width of the band beyond the outermost voxels that also counts as border.
    #[arg(long, default_value_t = 0)]
    buffer_size: usize,
    /// Value of cleared voxels (with a non-zero value, background in the band gets it too, as in scikit-image).
    #[arg(long, default_value_t = 0)]
    bgval: i64,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    let cleared = with_label_dtype!(info.dtype, args.input, T => clear::<T>(&args, exec)?);
    println!("{cleared} objects cleared");
    Ok(())
}

fn clear<T: LabelValue>(args: &Args, exec: &Executor) -> Result<usize> {
    let bgval: T = num_traits::cast(args.bgval).ok_or_else(|| {
        Error::InvalidArgument(format!("--bgval {} does not fit {}", args.bgval, T::DTYPE))
    })?;
    let source = io::open::<T>(&args.input)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<T>(&args.output, source.shape(), &chunks, &options)?;
    let clear = ClearBorder::new()
        .buffer_size(args.buffer_size)
        .bgval(bgval)
        .chunks(&chunks);
    clear.run(exec, &source, &mut sink)
}
