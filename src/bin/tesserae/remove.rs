//! `tesserae remove-small` / `remove-large`: objects removed by size, as
//! scikit-image's remove_small_objects (max_size semantics), and
//! `tesserae remove-small-holes`, as its remove_small_holes.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::labels::{RemoveObjects, RemoveSmallHoles};
use tesserae::ndmeasure::{Connectivity, LabelValue};
use tesserae::{DataType, Error, Executor, Result, Source, with_dtype};

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

/// Arguments of `tesserae remove-small-holes`.
#[derive(clap::Args)]
pub struct HoleArgs {
    /// A mask (TIFF or Zarr; non-zero is foreground).
    input: PathBuf,
    /// The mask with its small holes filled, uint8 0/1 (TIFF or Zarr).
    output: PathBuf,
    /// Background components (holes, and pieces at the border too) of at most this many voxels
    /// are filled.
    #[arg(long, default_value_t = 64)]
    max_size: u64,
    /// Neighbours of the background's components: 1 = faces (the default) … ndim = the full box.
    #[arg(long, short, default_value_t = 1)]
    connectivity: usize,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// Fails unless `connectivity` is between 1 and `ndim`.
fn check_connectivity(connectivity: usize, ndim: usize) -> Result<()> {
    if connectivity == 0 || connectivity > ndim {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {ndim} for a {ndim}-d image"
        )));
    }
    Ok(())
}

/// Runs `remove-small` (`large == false`) or `remove-large`.
pub fn run(args: Args, large: bool, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    check_connectivity(args.connectivity, info.shape.len())?;
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

/// Runs `remove-small-holes`.
pub fn holes(args: HoleArgs, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    check_connectivity(args.connectivity, info.shape.len())?;
    let filled = with_dtype!(info.dtype, T => {
        let source = io::open::<T>(&args.input)?;
        let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
        let options = WriteOptions {
            overwrite: args.overwrite,
            voxel_size: source.voxel_size(),
            ..WriteOptions::default()
        };
        let mut sink = io::create::<u8>(&args.output, source.shape(), &chunks, &options)?;
        let filled = RemoveSmallHoles::new(args.max_size)
            .connectivity(Connectivity::Axes(args.connectivity))
            .chunks(&chunks)
            .run(exec, &source, &mut *sink)?;
        crate::progress::wrote(&args.output, source.shape(), DataType::U8, &chunks);
        filled
    });
    println!("{filled} holes filled");
    Ok(())
}
