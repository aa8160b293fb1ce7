//! `tesserae reconstruct SEED MASK OUTPUT` (scikit-image's morphological
//! reconstruction) and `tesserae seeds h-maxima|h-minima IMAGE OUTPUT --h H`,
//! exact at any chunking.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::Footprint;
use tesserae::ndmorph::{HExtrema, Reconstruction, ReconstructionFloat, ReconstructionMethod};
use tesserae::{DataType, Error, Executor, Result, Source, Structure, with_dtype};

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

/// Which seeds `tesserae seeds` finds.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SeedKind {
    /// scikit-image's h_maxima: the maxima at least --h high.
    HMaxima,
    /// scikit-image's h_minima: the minima at least --h deep.
    HMinima,
}

/// Arguments of `tesserae seeds`.
#[derive(clap::Args)]
pub struct SeedArgs {
    /// The kind of seeds.
    #[arg(value_enum)]
    kind: SeedKind,
    /// The image (TIFF or Zarr).
    input: PathBuf,
    /// The seeds as a uint8 0/1 image (TIFF or Zarr).
    output: PathBuf,
    /// The minimal height (depth) of an extremum.
    #[arg(long)]
    h: f64,
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
fn footprint(connectivity: Option<usize>, ndim: usize) -> Result<Footprint> {
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

pub fn seeds(args: SeedArgs, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    with_dtype!(info.dtype, T => {
        let image = io::open::<T>(&args.input)?;
        let shape = image.shape().to_vec();
        let chunks = args::chunks_for(&*image, args.chunks.as_ref(), exec)?;
        let options = WriteOptions {
            overwrite: args.overwrite,
            voxel_size: image.voxel_size(),
            ..WriteOptions::default()
        };
        let op = match args.kind {
            SeedKind::HMaxima => HExtrema::maxima(args.h),
            SeedKind::HMinima => HExtrema::minima(args.h),
        }
        .footprint(footprint(args.connectivity, shape.len())?)
        .chunks(&chunks);
        let mut sink = io::create::<u8>(&args.output, &shape, &chunks, &options)?;
        op.run(exec, &image, &mut *sink)?;
        crate::progress::wrote(&args.output, &shape, DataType::U8, &chunks);
        Ok(())
    })
}
