//! `tesserae fill-holes LABELS OUTPUT`: the holes of every label filled with
//! that label (per label, as scipy's binary_fill_holes on `labels == L`).

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::labels::FillLabelHoles;
use tesserae::ndmeasure::LabelValue;
use tesserae::{Executor, Result, Source};

use crate::args;
use crate::labels::with_label_dtype;

/// Arguments of `tesserae fill-holes`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image or mask (TIFF or Zarr, integer type).
    input: PathBuf,
    /// The filled labels (TIFF or Zarr), in the input's type.
    output: PathBuf,
    /// Also fill holes that hold other labels, overwriting them (stardist's fill_label_holes;
    /// by default only holes made entirely of background are filled).
    #[arg(long)]
    overwrite_labels: bool,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    with_label_dtype!(info.dtype, args.input, T => fill::<T>(&args, exec))
}

fn fill<T: LabelValue>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let shape = source.shape().to_vec();
    let mut sink = io::create::<T>(&args.output, &shape, &chunks, &options)?;
    FillLabelHoles::new()
        .overwrite(args.overwrite_labels)
        .chunks(&chunks)
        .run(exec, &source, &mut sink)?;
    crate::progress::wrote(&args.output, &shape, T::DTYPE, &chunks);
    Ok(())
}
