//! `tesserae threshold METHOD INPUT OUTPUT`: a global threshold equal to
//! scikit-image's, printed, and the mask `image > threshold` written as uint8;
//! `tesserae threshold local …` writes the mask `image > threshold_local(image)`.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::{LocalMethod, Threshold, ThresholdLocal, ThresholdMethod, above};
use tesserae::{Element, Error, Executor, Result, Source, with_dtype};

use crate::args;

/// Arguments of `tesserae threshold`.
#[derive(clap::Args)]
pub struct Args {
    /// The method, as scikit-image's threshold_<method>; `local` is threshold_local.
    #[arg(value_enum, value_name = "METHOD")]
    name: Method,
    /// The image to threshold (TIFF or Zarr).
    input: PathBuf,
    /// The mask to write (TIFF or Zarr), uint8: 1 where image > threshold, 0 elsewhere.
    output: PathBuf,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
    /// local: the odd size of the neighbourhood (one, or one per axis).
    #[arg(long, value_parser = args::shape)]
    block_size: Option<args::Shape>,
    /// local: how the neighbourhood is weighed.
    #[arg(long, value_enum, default_value = "gaussian")]
    method: Local,
    /// local: the constant subtracted from the filtered image.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    offset: f64,
    /// local: the gaussian's sigma (one, or one per axis; default (block size - 1) / 6).
    #[arg(long, value_parser = args::sizes)]
    sigma: Option<args::Sizes>,
    /// local: how the image is extended beyond its border, as scipy.ndimage's `mode`.
    #[arg(long, value_enum, default_value = "reflect")]
    mode: args::Mode,
    /// local: the value outside the image with --mode constant.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    cval: f64,
}

/// The methods of threshold_local.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Local {
    Gaussian,
    Mean,
    Median,
}

impl Local {
    fn method(self) -> LocalMethod {
        match self {
            Local::Gaussian => LocalMethod::Gaussian,
            Local::Mean => LocalMethod::Mean,
            Local::Median => LocalMethod::Median,
        }
    }
}

/// The thresholding methods.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Method {
    Otsu,
    Li,
    Triangle,
    Yen,
    Isodata,
    Mean,
    Minimum,
    Local,
}

impl Method {
    /// The global method, `None` for `local`.
    fn method(self) -> Option<ThresholdMethod> {
        Some(match self {
            Method::Otsu => ThresholdMethod::Otsu,
            Method::Li => ThresholdMethod::Li,
            Method::Triangle => ThresholdMethod::Triangle,
            Method::Yen => ThresholdMethod::Yen,
            Method::Isodata => ThresholdMethod::Isodata,
            Method::Mean => ThresholdMethod::Mean,
            Method::Minimum => ThresholdMethod::Minimum,
            Method::Local => return None,
        })
    }
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    match args.name.method() {
        Some(method) => {
            let threshold = with_dtype!(info.dtype, T => threshold::<T>(&args, method, exec)?);
            println!("{} threshold: {threshold}", method.name());
        }
        None => with_dtype!(info.dtype, T => local::<T>(&args, exec)?),
    }
    Ok(())
}

fn threshold<T: Element>(args: &Args, method: ThresholdMethod, exec: &Executor) -> Result<f64> {
    let source = io::open::<T>(&args.input)?;
    let shape = source.shape().to_vec();
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let t = Threshold::new(method)
        .chunks(&chunks)
        .compute(exec, &source)?;
    let mut sink = io::create::<u8>(
        &args.output,
        &shape,
        &chunks,
        &write_options(args, &*source),
    )?;
    let rechunked = tesserae::rechunk(source, &chunks)?;
    tesserae::store(exec, &above(rechunked, t)?, &mut sink)?;
    Ok(t)
}

fn write_options<S: Source + ?Sized>(args: &Args, source: &S) -> WriteOptions {
    WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    }
}

/// `image > threshold_local(image, …)`, chunk by chunk.
fn local<T: Element>(args: &Args, exec: &Executor) -> Result<()> {
    let Some(args::Shape(block_size)) = &args.block_size else {
        return Err(Error::InvalidArgument(
            "threshold local needs --block-size".into(),
        ));
    };
    let source = io::open::<T>(&args.input)?;
    let shape = source.shape().to_vec();
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let mut local = ThresholdLocal::block_sizes(block_size)
        .method(args.method.method())
        .offset(args.offset)
        .mode(args.mode.boundary(args.cval))
        .chunks(&chunks);
    if let Some(args::Sizes(sigma)) = &args.sigma {
        local = local.sigma(sigma);
    }
    let mut sink = io::create::<u8>(
        &args.output,
        &shape,
        &chunks,
        &write_options(args, &*source),
    )?;
    tesserae::store(exec, &local.mask(source)?, &mut sink)
}
