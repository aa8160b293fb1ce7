//! `tesserae seeds KIND IMAGE OUTPUT`: seeds for a watershed, scikit-image's
//! `h_maxima`, `h_minima`, `local_maxima`, `local_minima` and
//! `peak_local_max`, exact at any chunking.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::ndmorph::{HExtrema, LocalExtrema};
use tesserae::segmentation::{PeakLocalMax, PeakMarkers};
use tesserae::{DataType, Element, Error, Executor, Result, Source, Structure, with_dtype};

use crate::args;
use crate::labels::with_label_dtype;
use crate::reconstruct::footprint;
use crate::table::Table;

/// Which seeds `tesserae seeds` finds.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum SeedKind {
    /// scikit-image's h_maxima: the maxima at least --h high.
    HMaxima,
    /// scikit-image's h_minima: the minima at least --h deep.
    HMinima,
    /// scikit-image's local_maxima: the plateaus no neighbour rises above.
    LocalMaxima,
    /// scikit-image's local_minima: the plateaus no neighbour falls below.
    LocalMinima,
    /// scikit-image's peak_local_max: peaks at least --min-distance apart, as a marker
    /// image (labeled as scipy's label of the peaks) or, for a .csv OUTPUT, coordinates.
    PeakLocalMax,
}

/// Arguments of `tesserae seeds`.
#[derive(clap::Args)]
pub struct Args {
    /// The kind of seeds.
    #[arg(value_enum)]
    kind: SeedKind,
    /// The image (TIFF or Zarr).
    input: PathBuf,
    /// The seeds as a uint8 0/1 image (TIFF or Zarr); peak-local-max: uint32 markers, or the
    /// peaks' coordinates in scikit-image's order when the name ends in .csv.
    output: PathBuf,
    /// h-maxima, h-minima: the minimal height (depth) of an extremum.
    #[arg(long)]
    h: Option<f64>,
    /// local-maxima, local-minima: whether plateaus touching the image border count
    /// (scikit-image's allow_borders).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    allow_borders: bool,
    /// Neighbourhood: 1 = face neighbours … ndim = the full box (scikit-image's default).
    /// peak-local-max: the connectivity that joins adjacent peaks into one marker (default 1).
    #[arg(long)]
    connectivity: Option<usize>,
    /// peak-local-max: the smallest distance between peaks, and the half-size of the
    /// neighbourhood a peak is the maximum of.
    #[arg(long, default_value_t = 1)]
    min_distance: usize,
    /// peak-local-max: peaks must exceed this (default: the image's minimum).
    #[arg(long, allow_negative_numbers = true)]
    threshold_abs: Option<f64>,
    /// peak-local-max: peaks must exceed this fraction of the image's maximum.
    #[arg(long)]
    threshold_rel: Option<f64>,
    /// peak-local-max: no peaks this close to the border (default: --min-distance; 0: none).
    #[arg(long)]
    exclude_border: Option<usize>,
    /// peak-local-max: at most this many peaks, the highest.
    #[arg(long)]
    num_peaks: Option<usize>,
    /// peak-local-max: a label image; peaks are found in each object separately.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// peak-local-max with --labels: at most this many peaks per object.
    #[arg(long, requires = "labels")]
    num_peaks_per_label: Option<usize>,
    /// peak-local-max: the Minkowski p-norm of the distance between peaks (default: inf).
    #[arg(long)]
    p_norm: Option<f64>,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// A configured seed finder.
enum Op {
    Height(HExtrema),
    Local(LocalExtrema),
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    with_dtype!(info.dtype, T => seeds::<T>(&args, exec))
}

fn seeds<T: Element>(args: &Args, exec: &Executor) -> Result<()> {
    let image = io::open::<T>(&args.input)?;
    let shape = image.shape().to_vec();
    let chunks = args::chunks_for(&*image, args.chunks.as_ref(), exec)?;
    let footprint = footprint(args.connectivity, shape.len())?;
    let h = || {
        args.h
            .ok_or_else(|| Error::InvalidArgument("h-maxima and h-minima need --h".into()))
    };
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: image.voxel_size(),
        ..WriteOptions::default()
    };
    let local = |op: LocalExtrema| {
        op.footprint(footprint.clone())
            .allow_borders(args.allow_borders)
            .chunks(&chunks)
    };
    let op = match args.kind {
        SeedKind::HMaxima => Op::Height(HExtrema::maxima(h()?)),
        SeedKind::HMinima => Op::Height(HExtrema::minima(h()?)),
        SeedKind::LocalMaxima => Op::Local(local(LocalExtrema::maxima())),
        SeedKind::LocalMinima => Op::Local(local(LocalExtrema::minima())),
        SeedKind::PeakLocalMax => return peaks(args, &*image, &chunks, exec),
    };
    let mut sink = io::create::<u8>(&args.output, &shape, &chunks, &options)?;
    match op {
        Op::Height(op) => op
            .footprint(footprint.clone())
            .chunks(&chunks)
            .run(exec, &image, &mut *sink)?,
        Op::Local(op) => op.run(exec, &image, &mut *sink)?,
    }
    crate::progress::wrote(&args.output, &shape, DataType::U8, &chunks);
    Ok(())
}

/// `seeds peak-local-max`: the peaks as coordinates (CSV) or a marker image.
fn peaks<T: Element>(
    args: &Args,
    image: &dyn Source<Elem = T>,
    chunks: &[usize],
    exec: &Executor,
) -> Result<()> {
    let ndim = image.ndim();
    if args.min_distance < 1 {
        return Err(Error::InvalidArgument(
            "--min-distance must be at least 1".into(),
        ));
    }
    let connectivity = args.connectivity.unwrap_or(1);
    if connectivity == 0 || connectivity > ndim {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {ndim} for a {ndim}-d image"
        )));
    }
    let mut op = PeakLocalMax::new()
        .min_distance(args.min_distance)
        .chunks(chunks);
    if let Some(t) = args.threshold_abs {
        op = op.threshold_abs(t);
    }
    if let Some(t) = args.threshold_rel {
        op = op.threshold_rel(t);
    }
    if let Some(width) = args.exclude_border {
        op = op.exclude_border(i64::try_from(width).map_err(|_| {
            Error::InvalidArgument(format!("--exclude-border {width} is too large"))
        })?);
    }
    if let Some(n) = args.num_peaks {
        op = op.num_peaks(n);
    }
    if let Some(n) = args.num_peaks_per_label {
        op = op.num_peaks_per_label(n);
    }
    if let Some(p) = args.p_norm {
        op = op.p_norm(p);
    }
    let coordinates = match &args.labels {
        Some(path) => {
            with_label_dtype!(io::probe(path)?.dtype, path, L => {
                let labels = io::open::<L>(path)?;
                if labels.shape() != image.shape() {
                    return Err(Error::InvalidArgument(format!(
                        "the labels have shape {:?} but the image has {:?}",
                        labels.shape(),
                        image.shape()
                    )));
                }
                op.run(exec, image, Some(&*labels))?
            })
        }
        None => op.run::<T, u32>(exec, image, None)?,
    };
    let csv = args
        .output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if csv {
        let header: Vec<String> = (0..ndim).map(|k| format!("coord-{k}")).collect();
        let mut table = Table::create(Some(&args.output), args.overwrite, &header)?;
        for row in coordinates.rows() {
            let fields: Vec<String> = row.iter().map(|c| c.to_string()).collect();
            table.row(&fields)?;
        }
        table.finish()?;
    } else {
        let structure = Structure::connectivity(ndim, connectivity)?;
        let markers = PeakMarkers::with_structure(&coordinates.view(), image.shape(), &structure)?
            .with_chunks(chunks)?;
        let options = WriteOptions {
            overwrite: args.overwrite,
            voxel_size: image.voxel_size(),
            ..WriteOptions::default()
        };
        let mut sink = io::create::<u32>(&args.output, image.shape(), chunks, &options)?;
        tesserae::store(exec, &markers, &mut *sink)?;
        crate::progress::wrote(&args.output, image.shape(), DataType::U32, chunks);
    }
    println!("{} peaks", coordinates.nrows());
    Ok(())
}
