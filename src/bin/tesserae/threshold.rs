//! `tesserae threshold METHOD INPUT OUTPUT`: a global threshold equal to
//! scikit-image's, printed, and the mask `image > threshold` written as uint8.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::{above, Threshold, ThresholdMethod};
use tesserae::{with_dtype, Element, Executor, Result, Source};

use crate::args;

/// Arguments of `tesserae threshold`.
#[derive(clap::Args)]
pub struct Args {
    /// The method, as scikit-image's threshold_<method>.
    #[arg(value_enum)]
    method: Method,
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
}

impl Method {
    fn method(self) -> ThresholdMethod {
        match self {
            Method::Otsu => ThresholdMethod::Otsu,
            Method::Li => ThresholdMethod::Li,
            Method::Triangle => ThresholdMethod::Triangle,
            Method::Yen => ThresholdMethod::Yen,
            Method::Isodata => ThresholdMethod::Isodata,
            Method::Mean => ThresholdMethod::Mean,
        }
    }
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    let threshold = with_dtype!(info.dtype, T => threshold::<T>(&args, exec)?);
    println!("{} threshold: {threshold}", args.method.method().name());
    Ok(())
}

fn threshold<T: Element>(args: &Args, exec: &Executor) -> Result<f64> {
    let source = io::open::<T>(&args.input)?;
    let shape = source.shape().to_vec();
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let t = Threshold::new(args.method.method())
        .chunks(&chunks)
        .compute(exec, &source)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<u8>(&args.output, &shape, &chunks, &options)?;
    let rechunked = tesserae::rechunk(source, &chunks)?;
    tesserae::store(exec, &above(rechunked, t)?, &mut sink)?;
    Ok(t)
}
