//! `tesserae label INPUT OUTPUT`: connected components, numbered exactly as scipy.ndimage.label.

use std::path::{Path, PathBuf};

use tesserae::io::{self, WriteOptions};
use tesserae::ndmeasure::{Connectivity, Label, Structure};
use tesserae::{Element, Error, Executor, Region, Result, Source, with_dtype};

use crate::args;

/// Arguments of `tesserae label`.
#[derive(clap::Args)]
pub struct Args {
    /// The image to label (TIFF or Zarr); non-zero voxels are foreground.
    input: PathBuf,
    /// The label image to write (TIFF or Zarr), uint32 (uint64 when more labels are needed).
    output: PathBuf,
    /// Neighbours: 1 = faces only (the default, as scipy and dask-image) … ndim = faces, edges and corners.
    #[arg(long, short, default_value_t = 1)]
    connectivity: usize,
    /// A 3×…×3 structuring element (TIFF or Zarr; non-zero = connected), instead of --connectivity.
    #[arg(long, conflicts_with = "connectivity")]
    structure: Option<PathBuf>,
    /// Foreground is value > T instead of value != 0.
    #[arg(long)]
    threshold: Option<f64>,
    /// Voxels connect only when they hold the same non-zero value (scikit-image semantics).
    #[arg(long)]
    multilabel: bool,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    let count = with_dtype!(info.dtype, T => label::<T>(&args, exec)?);
    println!("{count} objects");
    Ok(())
}

fn label<T: Element>(args: &Args, exec: &Executor) -> Result<usize> {
    let source = io::open::<T>(&args.input)?;
    let shape = source.shape().to_vec();
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let mut label = match &args.structure {
        Some(path) => Label::with_structure(read_structure(path)?),
        None => {
            if args.connectivity == 0 || args.connectivity > shape.len() {
                return Err(Error::InvalidArgument(format!(
                    "--connectivity must be between 1 and {} for a {}-d image",
                    shape.len(),
                    shape.len()
                )));
            }
            Label::new(Connectivity::Axes(args.connectivity))
        }
    }
    .multilabel(args.multilabel)
    .chunks(&chunks);
    if let Some(t) = args.threshold {
        label = label.threshold(t);
    }
    let prepared = label.prepare(exec, &source)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    if u32::try_from(prepared.count()).is_ok() {
        let mut sink = io::create::<u32>(&args.output, &shape, &chunks, &options)?;
        prepared.write(exec, &mut sink)
    } else {
        let mut sink = io::create::<u64>(&args.output, &shape, &chunks, &options)?;
        prepared.write(exec, &mut sink)
    }
}

/// Reads a structuring element from an image file: non-zero voxels connect.
fn read_structure(path: &Path) -> Result<Structure> {
    let info = io::probe(path)?;
    let mask = with_dtype!(info.dtype, T => {
        let source = io::open::<T>(path)?;
        source.read(&Region::full(source.shape()))?.mapv(|v| v.as_f64() != 0.0)
    });
    Structure::new(mask.view())
}
