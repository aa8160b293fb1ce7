//! `tesserae find-objects LABELS`: the bounding box of every label, as CSV.

use std::path::PathBuf;

use tesserae::ndmeasure::find_objects_chunked;
use tesserae::{Executor, Result, io};

use crate::args;
use crate::labels::{open_labels, with_labels};
use crate::table::Table;

/// Arguments of `tesserae find-objects`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image (TIFF or Zarr, integer type).
    labels: PathBuf,
    /// The CSV table to write (default: stdout): `label,bbox-0,…` with starts then exclusive stops.
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
    let info = io::probe(&args.labels)?;
    let boxes = with_labels!(open_labels(&args.labels, info.dtype)?, labels => {
        let chunks = args::chunks_for(&*labels, args.chunks.as_ref(), exec)?;
        find_objects_chunked(exec, &labels, Some(&chunks))?
    });
    let ndim = info.shape.len();
    let header: Vec<String> = std::iter::once("label".to_string())
        .chain((0..2 * ndim).map(|i| format!("bbox-{i}")))
        .collect();
    let mut table = Table::create(args.output.as_deref(), args.overwrite, &header)?;
    for (label, region) in &boxes {
        let row: Vec<String> = std::iter::once(label.to_string())
            .chain(region.start().iter().map(|v| v.to_string()))
            .chain(region.end().iter().map(|v| v.to_string()))
            .collect();
        table.row(&row)?;
    }
    table.finish()?;
    if let Some(path) = &args.output {
        eprintln!(
            "{} objects, boxes written to {}",
            boxes.len(),
            path.display()
        );
    }
    Ok(())
}
