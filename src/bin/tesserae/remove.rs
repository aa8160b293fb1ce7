//! `tesserae remove-small` / `remove-large`: objects removed by size, as
//! scikit-image's remove_small_objects (max_size semantics).

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::labels::RemoveObjects;
use tesserae::ndmeasure::{Connectivity, LabelValue};
use tesserae::{Error, Executor, Result, Source};

use crate::args;
use crate::labels::with_label_dtype;

/// Arguments of `tesserae remove-small` and `tesserae remove-large`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image, or a mask with --mask (TIFF or Zarr, integer type).
    input: PathBuf,
    /// The cleaned image (TIFF or Zarr), in the input's type.
    output: PathBuf,
    /// remove-small removes objects of at most this many voxels; remove-large those of more.
    #[arg(long, default_value_t = 64)]
    max_size: u64,
    /// The input is a mask: its objects are connected components of non-zero voxels.
    #[arg(long)]
    mask: bool,
    /// Neighbours of a mask's components: 1 = faces (the default) … ndim = faces, edges and corners.
    #[arg(long, short, default_value_t = 1, requires = "mask")]
    connectivity: usize,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// Runs `remove-small` (`large == false`) or `remove-large`.
pub fn run(args: Args, large: bool, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    let ndim = info.shape.len();
    if args.connectivity == 0 || args.connectivity > ndim {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {ndim} for a {ndim}-d image"
        )));
    }
    let remove = if large {
        RemoveObjects::large(args.max_size)
    } else {
        RemoveObjects::small(args.max_size)
    }
    .connectivity(Connectivity::Axes(args.connectivity));
    let removed =
        with_label_dtype!(info.dtype, args.input, T => remove_from::<T>(&args, remove, exec)?);
    println!("{removed} objects removed");
    Ok(())
}

fn remove_from<T: LabelValue>(
    args: &Args,
    remove: RemoveObjects,
    exec: &Executor,
) -> Result<usize> {
    let source = io::open::<T>(&args.input)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let remove = remove.chunks(&chunks);
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<T>(&args.output, source.shape(), &chunks, &options)?;
    if args.mask {
        remove.run_mask(exec, &source, &mut sink)
    } else {
        remove.run_labels(exec, &source, &mut sink)
    }
}
