//! `tesserae regionprops LABELS [--intensity IMAGE] [--properties …]`: scikit-image's
//! `regionprops_table` per label, as CSV.

use std::path::PathBuf;

use tesserae::ndmeasure::{LabelValue, RegionProps, RegionTable};
use tesserae::{Element, Error, Executor, Result, Source, io, with_dtype};

use crate::args;
use crate::labels::{open_labels, with_labels};
use crate::table::Table;

/// Arguments of `tesserae regionprops`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image (TIFF or Zarr, integer type, 2-D or 3-D).
    labels: PathBuf,
    /// An intensity image of the labels' shape, optionally with a trailing channel axis.
    #[arg(long, short)]
    intensity: Option<PathBuf>,
    /// Properties by their scikit-image names, comma-separated
    /// [default: label,bbox,area,centroid, plus intensity_mean with --intensity].
    #[arg(long, short, value_delimiter = ',')]
    properties: Option<Vec<String>>,
    /// Voxel size per axis, e.g. 2,0.5,0.5 (default: the label image's metadata, else 1).
    #[arg(long, value_parser = args::sizes)]
    spacing: Option<args::Sizes>,
    /// The CSV table to write (default: stdout), one row per label, scikit-image's column names.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Chunk shape of the pass (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let names = args.properties.clone().unwrap_or_else(|| {
        let mut names: Vec<String> = ["label", "bbox", "area", "centroid"]
            .map(String::from)
            .into();
        if args.intensity.is_some() {
            names.push("intensity_mean".into());
        }
        names
    });
    // Refused before measuring, not after.
    if let Some(path) = args
        .output
        .as_ref()
        .filter(|p| p.exists() && !args.overwrite)
    {
        return Err(Error::Exists { path: path.clone() });
    }
    let mut props = RegionProps::new().properties(&names)?;
    if let Some(args::Sizes(spacing)) = &args.spacing {
        props = props.spacing(spacing);
    }
    let dtype = io::probe(&args.labels)?.dtype;
    let table = with_labels!(open_labels(&args.labels, dtype)?, labels => {
        let chunks = args::chunks_for(&*labels, args.chunks.as_ref(), exec)?;
        let props = props.chunks(&chunks);
        match &args.intensity {
            None => props.run::<_, dyn Source<Elem = u8>>(exec, &*labels, None)?,
            Some(path) => {
                let dtype = io::probe(path)?.dtype;
                with_dtype!(dtype, T => measure::<T, _>(&props, exec, &*labels, path)?)
            }
        }
    });
    write(&args, &table)
}

fn measure<T: Element, L: LabelValue>(
    props: &RegionProps,
    exec: &Executor,
    labels: &dyn Source<Elem = L>,
    path: &std::path::Path,
) -> Result<RegionTable> {
    let intensity = io::open::<T>(path)?;
    props.run(exec, labels, Some(&*intensity))
}

fn write(args: &Args, table: &RegionTable) -> Result<()> {
    let mut out = Table::create(args.output.as_deref(), args.overwrite, table.names())?;
    for row in 0..table.len() {
        out.row(&table.row_text(row))?;
    }
    out.finish()?;
    if let Some(path) = &args.output {
        eprintln!(
            "{} objects measured, table written to {}",
            table.len(),
            path.display()
        );
    }
    Ok(())
}
