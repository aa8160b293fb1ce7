//! `tesserae filter NAME INPUT OUTPUT`: scipy.ndimage filters, chunked with halos.
//!
//! Every filter is a lazy [`Source`] built from the input; [`store`] writes it
//! chunk by chunk to the output. A new linear filter is one [`Name`] variant
//! and one arm in [`lazy`]; the rank filters keep the input's type and are
//! built by [`rank`].

use std::path::PathBuf;

use tesserae::engine::store;
use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::{
    FilterOutput, GaussianFilter, GaussianGradientMagnitude, GaussianLaplace, Laplace, Prewitt,
    RankFilter, RankKind, Sobel, UniformFilter,
};
use tesserae::{DataType, Element, Error, Executor, Result, Source, with_dtype};

use crate::args::{self, Mode};

/// Arguments of `tesserae filter`.
#[derive(clap::Args)]
pub struct Args {
    /// The filter.
    #[arg(value_enum)]
    name: Name,
    /// The image to filter (TIFF or Zarr).
    input: PathBuf,
    /// The filtered image to write (TIFF or Zarr).
    output: PathBuf,
    /// Gaussian standard deviation, one for all axes or one per axis (e.g. 1,2,2).
    #[arg(long, value_parser = non_negative)]
    sigma: Option<Numbers>,
    /// Box size (uniform and the rank filters), one for all axes or one per axis.
    #[arg(long, value_parser = args::shape)]
    size: Option<args::Shape>,
    /// How the image is extended beyond its border, as scipy.ndimage's `mode`.
    #[arg(long, value_enum, default_value = "reflect")]
    mode: Mode,
    /// The value outside the image with --mode constant.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    cval: f64,
    /// Gaussian kernel radius in standard deviations.
    #[arg(long, default_value_t = 4.0)]
    truncate: f64,
    /// Gaussian derivative order (0 to 3), one for all axes or one per axis.
    #[arg(long, value_parser = orders)]
    order: Option<Orders>,
    /// The rank of `rank` within the sorted window (negative counts from the top, as scipy).
    #[arg(long, allow_negative_numbers = true)]
    rank: Option<isize>,
    /// The percentile of `percentile` (0 to 100; negative counts from the top, as scipy).
    #[arg(long, allow_negative_numbers = true)]
    percentile: Option<f64>,
    /// The derivative axis of sobel and prewitt (default: the last).
    #[arg(long)]
    axis: Option<usize>,
    /// Output data type: the input's (default, as scipy), float32 or float64.
    #[arg(long)]
    dtype: Option<String>,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// The filters.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Name {
    Gaussian,
    GaussianGradientMagnitude,
    GaussianLaplace,
    Uniform,
    Sobel,
    Prewitt,
    Laplace,
    Minimum,
    Maximum,
    Median,
    Rank,
    Percentile,
}

impl Name {
    /// The rank filter this name stands for, if it is one.
    fn rank_kind(self, args: &Args) -> Result<Option<RankKind>> {
        let needs = |what: &str| Error::InvalidArgument(format!("filter {self:?} needs --{what}"));
        Ok(Some(match self {
            Name::Minimum => RankKind::Minimum,
            Name::Maximum => RankKind::Maximum,
            Name::Median => RankKind::Median,
            Name::Rank => RankKind::Rank(args.rank.ok_or_else(|| needs("rank"))?),
            Name::Percentile => {
                RankKind::Percentile(args.percentile.ok_or_else(|| needs("percentile"))?)
            }
            _ => return Ok(None),
        }))
    }
}

/// A comma-separated list of non-negative numbers.
#[derive(Clone, Debug)]
struct Numbers(Vec<f64>);

/// A comma-separated list of derivative orders.
#[derive(Clone, Debug)]
struct Orders(Vec<usize>);

fn non_negative(text: &str) -> std::result::Result<Numbers, String> {
    text.split(',')
        .map(|part| match part.trim().parse::<f64>() {
            Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
            _ => Err(format!(
                "'{text}': expected non-negative numbers separated by commas"
            )),
        })
        .collect::<std::result::Result<_, _>>()
        .map(Numbers)
}

fn orders(text: &str) -> std::result::Result<Orders, String> {
    text.split(',')
        .map(|part| match part.trim().parse::<usize>() {
            Ok(v) if v <= 3 => Ok(v),
            _ => Err(format!(
                "'{text}': expected orders 0 to 3 separated by commas"
            )),
        })
        .collect::<std::result::Result<_, _>>()
        .map(Orders)
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    let out = match &args.dtype {
        None => info.dtype,
        Some(name) => DataType::parse(name)
            .ok_or_else(|| Error::InvalidArgument(format!("--dtype {name}: unknown data type")))?,
    };
    if let Some(kind) = args.name.rank_kind(&args)? {
        if out != info.dtype {
            return Err(Error::InvalidArgument(format!(
                "--dtype {out}: rank filters keep the input's type ({})",
                info.dtype
            )));
        }
        return with_dtype!(info.dtype, T => rank::<T>(&args, kind, exec));
    }
    with_dtype!(info.dtype, T => {
        if out == T::DTYPE {
            filter::<T, T>(&args, exec)
        } else if out == DataType::F32 {
            filter::<T, f32>(&args, exec)
        } else if out == DataType::F64 {
            filter::<T, f64>(&args, exec)
        } else {
            Err(Error::InvalidArgument(format!(
                "--dtype {out}: the output is the input's type ({}), float32 or float64",
                T::DTYPE
            )))
        }
    })
}

fn filter<T: FilterOutput, U: FilterOutput>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let filtered = lazy::<T, U>(args, &source, &chunks)?;
    write(args, exec, &*source, &chunks, &filtered)
}

/// A rank filter (minimum, maximum, median, rank, percentile) over a box of `--size`.
fn rank<T: Element>(args: &Args, kind: RankKind, exec: &Executor) -> Result<()> {
    let size = args
        .size
        .as_ref()
        .ok_or_else(|| Error::InvalidArgument(format!("filter {:?} needs --size", args.name)))?;
    let source = io::open::<T>(&args.input)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let filtered = RankFilter::new(kind)
        .size(&size.0)
        .mode(args.mode.boundary(args.cval))
        .chunks(&chunks)
        .lazy(&source)?;
    write(args, exec, &*source, &chunks, &filtered)
}

/// Writes `filtered`, computed from `source` in `chunks`, to the output.
fn write<T: Element, U: Element>(
    args: &Args,
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    chunks: &[usize],
    filtered: &dyn Source<Elem = U>,
) -> Result<()> {
    let shape = source.shape().to_vec();
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<U>(&args.output, &shape, chunks, &options)?;
    store(exec, filtered, &mut sink)?;
    crate::progress::wrote(&args.output, &shape, U::DTYPE, chunks);
    Ok(())
}

/// The filter named by `args` over `source`, computed in `chunks`.
fn lazy<'a, T: FilterOutput, U: FilterOutput>(
    args: &Args,
    source: &'a dyn Source<Elem = T>,
    chunks: &[usize],
) -> Result<Box<dyn Source<Elem = U> + 'a>> {
    let mode = args.mode.boundary(args.cval);
    let sigma = || match &args.sigma {
        Some(Numbers(s)) => Ok(s.clone()),
        None => Err(Error::InvalidArgument(format!(
            "filter {:?} needs --sigma",
            args.name
        ))),
    };
    Ok(match args.name {
        Name::Gaussian => {
            let order = args.order.as_ref().map_or(vec![0], |o| o.0.clone());
            Box::new(
                GaussianFilter::sigmas(&sigma()?)
                    .order(&order)
                    .truncate(args.truncate)
                    .mode(mode)
                    .chunks(chunks)
                    .lazy::<_, U>(source)?,
            )
        }
        Name::GaussianGradientMagnitude => Box::new(
            GaussianGradientMagnitude::sigmas(&sigma()?)
                .truncate(args.truncate)
                .mode(mode)
                .chunks(chunks)
                .lazy::<_, U>(source)?,
        ),
        Name::GaussianLaplace => Box::new(
            GaussianLaplace::sigmas(&sigma()?)
                .truncate(args.truncate)
                .mode(mode)
                .chunks(chunks)
                .lazy::<_, U>(source)?,
        ),
        Name::Uniform => {
            let size = args
                .size
                .as_ref()
                .ok_or_else(|| Error::InvalidArgument("filter uniform needs --size".into()))?;
            Box::new(
                UniformFilter::sizes(&size.0)
                    .mode(mode)
                    .chunks(chunks)
                    .lazy::<_, U>(source)?,
            )
        }
        Name::Sobel | Name::Prewitt => {
            let ndim = source.ndim();
            let axis = args.axis.unwrap_or(ndim.saturating_sub(1));
            if matches!(args.name, Name::Sobel) {
                Box::new(
                    Sobel::new()
                        .axis(axis)
                        .mode(mode)
                        .chunks(chunks)
                        .lazy::<_, U>(source)?,
                )
            } else {
                Box::new(
                    Prewitt::new()
                        .axis(axis)
                        .mode(mode)
                        .chunks(chunks)
                        .lazy::<_, U>(source)?,
                )
            }
        }
        Name::Laplace => Box::new(
            Laplace::new()
                .mode(mode)
                .chunks(chunks)
                .lazy::<_, U>(source)?,
        ),
        Name::Minimum | Name::Maximum | Name::Median | Name::Rank | Name::Percentile => {
            return Err(Error::InvalidArgument(format!(
                "filter {:?} keeps the input's type",
                args.name
            )));
        }
    })
}
