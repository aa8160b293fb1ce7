//! `tesserae expand-labels LABELS OUTPUT --distance D`: every label grown
//! into the background by up to D without overlap, as scikit-image's
//! expand_labels.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::labels::ExpandLabels;
use tesserae::ndmeasure::LabelValue;
use tesserae::{Executor, Result, Source};

use crate::args;
use crate::labels::with_label_dtype;

/// Arguments of `tesserae expand-labels`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image (TIFF or Zarr, integer type).
    input: PathBuf,
    /// The expanded labels (TIFF or Zarr), in the input's type.
    output: PathBuf,
    /// How far labels grow, in units of the spacing.
    #[arg(long)]
    distance: f64,
    /// Voxel size per axis, e.g. 2,0.5,0.5 (default 1 on every axis, as scikit-image).
    #[arg(long, value_parser = args::sizes)]
    spacing: Option<args::Sizes>,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    with_label_dtype!(info.dtype, args.input, T => expand::<T>(&args, exec))
}

fn expand<T: LabelValue>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let mut expand = ExpandLabels::new(args.distance).chunks(&chunks);
    if let Some(spacing) = &args.spacing {
        expand = expand.spacing(&spacing.0);
    }
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let shape = source.shape().to_vec();
    let mut sink = io::create::<T>(&args.output, &shape, &chunks, &options)?;
    expand.run(exec, &source, &mut sink)?;
    crate::progress::wrote(&args.output, &shape, T::DTYPE, &chunks);
    Ok(())
}
