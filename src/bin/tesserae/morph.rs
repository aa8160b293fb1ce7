//! `tesserae morph NAME INPUT OUTPUT`: binary morphology and hole filling as
//! scipy.ndimage, chunk by chunk; `tesserae distance INPUT OUTPUT`: the
//! Euclidean distance transform.
//!
//! Every operation is a variant of [`Operation`] with one arm in [`run`]. The
//! binary operations write a uint8 0/1 mask; the grey ones keep the input's type.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::Footprint;
use tesserae::ndmeasure::Structure;
use tesserae::ndmorph::{
    BinaryMorphology, BinaryOp, BinaryPropagation, DistanceTransform, FillHoles, GreyMorphology,
    GreyOp,
};
use tesserae::{Element, Error, Executor, Region, Result, Source, with_dtype};

use crate::args;
use crate::open::open_mask;

/// Arguments of `tesserae morph`.
#[derive(clap::Args)]
pub struct Args {
    /// The operation.
    #[arg(value_enum)]
    name: Operation,
    /// The image (TIFF or Zarr); for binary operations non-zero voxels are foreground.
    input: PathBuf,
    /// The result to write (TIFF or Zarr): uint8 0/1 for binary operations, the input's type for grey ones.
    output: PathBuf,
    /// Structuring element: neighbours along at most C axes (1 = faces, as scipy's default … ndim = full box).
    #[arg(long, short, default_value_t = 1)]
    connectivity: usize,
    /// Grey operations: a flat box of this size (one for all axes or one per axis) instead of --connectivity.
    #[arg(long, value_parser = args::shape)]
    size: Option<args::Shape>,
    /// Grey operations: how the image is extended beyond its border, as scipy.ndimage's `mode`.
    #[arg(long, value_enum, default_value = "reflect")]
    mode: args::Mode,
    /// Grey operations: the value outside the image with --mode constant.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    cval: f64,
    /// Repetitions of the erosion or dilation (opening/closing: of each).
    #[arg(long, short, default_value_t = 1)]
    iterations: usize,
    /// propagation: only voxels where this image is non-zero may change (scipy's mask).
    #[arg(long)]
    mask: Option<PathBuf>,
    /// The value outside the image (0 or 1), as scipy's border_value.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    border_value: u8,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// The operations of `tesserae morph`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Operation {
    Erosion,
    Dilation,
    Opening,
    Closing,
    /// scipy's binary_propagation: dilation within --mask until nothing changes.
    Propagation,
    FillHoles,
    GreyErosion,
    GreyDilation,
    GreyOpening,
    GreyClosing,
    WhiteTophat,
    BlackTophat,
    Gradient,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    if args.connectivity == 0 || args.connectivity > info.shape.len() {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {} for a {}-d image",
            info.shape.len(),
            info.shape.len()
        )));
    }
    if args.iterations == 0 {
        return Err(Error::InvalidArgument(
            "--iterations must be at least 1".into(),
        ));
    }
    match args.name {
        Operation::Erosion => {
            with_dtype!(info.dtype, T => binary::<T>(&args, BinaryOp::Erosion, exec))
        }
        Operation::Dilation => {
            with_dtype!(info.dtype, T => binary::<T>(&args, BinaryOp::Dilation, exec))
        }
        Operation::Opening => {
            with_dtype!(info.dtype, T => binary::<T>(&args, BinaryOp::Opening, exec))
        }
        Operation::Closing => {
            with_dtype!(info.dtype, T => binary::<T>(&args, BinaryOp::Closing, exec))
        }
        Operation::Propagation => with_dtype!(info.dtype, T => propagation::<T>(&args, exec)),
        Operation::FillHoles => with_dtype!(info.dtype, T => fill_holes::<T>(&args, exec)),
        Operation::GreyErosion => grey(&args, GreyOp::Erosion, info.dtype, exec),
        Operation::GreyDilation => grey(&args, GreyOp::Dilation, info.dtype, exec),
        Operation::GreyOpening => grey(&args, GreyOp::Opening, info.dtype, exec),
        Operation::GreyClosing => grey(&args, GreyOp::Closing, info.dtype, exec),
        Operation::WhiteTophat => grey(&args, GreyOp::WhiteTophat, info.dtype, exec),
        Operation::BlackTophat => grey(&args, GreyOp::BlackTophat, info.dtype, exec),
        Operation::Gradient => grey(&args, GreyOp::Gradient, info.dtype, exec),
    }
}

fn grey(args: &Args, op: GreyOp, dtype: tesserae::DataType, exec: &Executor) -> Result<()> {
    with_dtype!(dtype, T => grey_typed::<T>(args, op, exec))
}

/// A grey operation with a flat footprint: the `--size` box, or the `--connectivity` structure.
fn grey_typed<T: Element>(args: &Args, op: GreyOp, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let (mut sink, chunks) = output::<T, T>(args, &*source, exec)?;
    let morphology = match &args.size {
        Some(size) => GreyMorphology::new(op).size(&size.0),
        None => GreyMorphology::new(op).footprint(Footprint::from_structure(
            &Structure::connectivity(source.ndim(), args.connectivity)?,
        )),
    };
    let lazy = morphology
        .mode(args.mode.boundary(args.cval))
        .chunks(&chunks)
        .lazy(&source)?;
    tesserae::store(exec, &lazy, &mut sink)
}

/// The output sink and chunk shape of a command writing `U` in the input's shape.
fn output<T: Element, U: Element>(
    args: &Args,
    source: &dyn Source<Elem = T>,
    exec: &Executor,
) -> Result<(Box<dyn tesserae::Sink<Elem = U>>, Vec<usize>)> {
    let chunks = args::chunks_for(source, args.chunks.as_ref(), exec)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let sink = io::create::<U>(&args.output, source.shape(), &chunks, &options)?;
    Ok((Box::new(sink), chunks))
}

fn binary<T: Element>(args: &Args, op: BinaryOp, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let (mut sink, chunks) = output::<T, u8>(args, &*source, exec)?;
    let structure = Structure::connectivity(source.ndim(), args.connectivity)?;
    let lazy = BinaryMorphology::new(op)
        .structure(Footprint::from_structure(&structure))
        .iterations(args.iterations)
        .border_value(args.border_value == 1)
        .chunks(&chunks)
        .lazy(source)?;
    tesserae::store(exec, &lazy, &mut sink)
}

fn propagation<T: Element>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let mask = args.mask.as_deref().map(open_mask).transpose()?;
    if let Some(m) = &mask
        && m.shape() != source.shape()
    {
        return Err(Error::InvalidArgument(format!(
            "the mask has shape {:?} but the input has {:?}",
            m.shape(),
            source.shape()
        )));
    }
    let (mut sink, chunks) = output::<T, u8>(args, &*source, exec)?;
    let structure = Structure::connectivity(source.ndim(), args.connectivity)?;
    BinaryPropagation::new()
        .structure(Footprint::from_structure(&structure))
        .border_value(args.border_value == 1)
        .chunks(&chunks)
        .run(exec, &*source, mask.as_deref(), &mut sink)?;
    Ok(())
}

fn fill_holes<T: Element>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let (mut sink, chunks) = output::<T, u8>(args, &*source, exec)?;
    let structure = Structure::connectivity(source.ndim(), args.connectivity)?;
    FillHoles::new()
        .structure(structure)
        .chunks(&chunks)
        .run(exec, &source, &mut sink)
}

/// Arguments of `tesserae distance`.
#[derive(clap::Args)]
pub struct DistanceArgs {
    /// The image (TIFF or Zarr); the distance of every non-zero voxel to the nearest zero voxel.
    input: PathBuf,
    /// The distances to write (TIFF or Zarr), float64.
    output: PathBuf,
    /// Voxel size per axis, e.g. 2,0.5,0.5 (default: 1 along every axis, as scipy).
    #[arg(long, value_parser = args::sizes)]
    sampling: Option<args::Sizes>,
    /// Work in chunks, exact up to this distance; farther voxels get this value.
    /// Without it the image is transformed whole, in memory.
    #[arg(long)]
    max_distance: Option<f64>,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn distance(args: DistanceArgs, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    with_dtype!(info.dtype, T => distance_of::<T>(&args, exec))
}

fn distance_of<T: Element>(args: &DistanceArgs, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let shape = source.shape().to_vec();
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let mut edt = DistanceTransform::new().chunks(&chunks);
    if let Some(args::Sizes(s)) = &args.sampling {
        edt = edt.sampling(s);
    }
    let mut sink = io::create::<f64>(&args.output, &shape, &chunks, &options)?;
    match args.max_distance {
        Some(max) => tesserae::store(exec, &edt.lazy(source, max)?, &mut sink),
        None => {
            let image = source.read(&Region::full(&shape))?;
            let distances = exec.install(|| edt.apply(&image.view()))?;
            let whole = tesserae::ArraySource::new(distances).with_chunks(&chunks)?;
            tesserae::store(exec, &whole, &mut sink)
        }
    }
}
