//! `tesserae reconstruct SEED MASK OUTPUT`: scikit-image's morphological
//! reconstruction, exact at any chunking.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::Footprint;
use tesserae::ndmorph::{Reconstruction, ReconstructionFloat, ReconstructionMethod};
use tesserae::{DataType, Error, Executor, Result, Source, Structure};

use crate::args;
use crate::open::open_as;

/// Arguments of `tesserae reconstruct`.
#[derive(clap::Args)]
pub struct Args {
    /// The seed (TIFF or Zarr): at most the mask everywhere (erosion: at least).
    seed: PathBuf,
    /// The mask limiting the reconstruction, of the seed's shape.
    mask: PathBuf,
    /// The reconstruction (float32 for a float32 mask, float64 otherwise, as scikit-image).
    output: PathBuf,
    /// dilation (the default) or erosion.
    #[arg(long, default_value = "dilation")]
    method: ReconstructionMethod,
    /// Neighbourhood: 1 = face neighbours … ndim = the full box (scikit-image's default).
    #[arg(long)]
    connectivity: Option<usize>,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// The footprint of `--connectivity` (default: the full box), checked.
pub fn footprint(connectivity: Option<usize>, ndim: usize) -> Result<Footprint> {
    let connectivity = connectivity.unwrap_or(ndim);
    if connectivity == 0 || connectivity > ndim {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {ndim} for a {ndim}-d image"
        )));
    }
    Ok(Footprint::from_structure(&Structure::connectivity(
        ndim,
        connectivity,
    )?))
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    if io::probe(&args.mask)?.dtype == DataType::F32 {
        reconstruct::<f32>(&args, exec)
    } else {
        reconstruct::<f64>(&args, exec)
    }
}

fn reconstruct<F: ReconstructionFloat>(args: &Args, exec: &Executor) -> Result<()> {
    let seed = open_as::<F>(&args.seed)?;
    let mask = open_as::<F>(&args.mask)?;
    let shape = seed.shape().to_vec();
    if mask.shape() != shape.as_slice() {
        return Err(Error::InvalidArgument(format!(
            "the mask has shape {:?} but the seed has {shape:?}",
            mask.shape()
        )));
    }
    let chunks = args::chunks_for(&*seed, args.chunks.as_ref(), exec)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: seed.voxel_size(),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<F>(&args.output, &shape, &chunks, &options)?;
    Reconstruction::new(args.method)
        .footprint(footprint(args.connectivity, shape.len())?)
        .chunks(&chunks)
        .run(exec, &seed, &mask, &mut *sink)?;
    crate::progress::wrote(&args.output, &shape, F::DTYPE, &chunks);
    Ok(())
}
