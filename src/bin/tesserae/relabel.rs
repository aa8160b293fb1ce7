//! `tesserae relabel LABELS OUTPUT`: labels renumbered 1, 2, … as scikit-image's relabel_sequential.

use std::path::PathBuf;

use tesserae::io::{self, WriteOptions};
use tesserae::labels::RelabelSequential;
use tesserae::ndmeasure::LabelValue;
use tesserae::{Executor, Result, Source};

use crate::args;
use crate::labels::with_label_dtype;
use crate::table::Table;

/// Arguments of `tesserae relabel`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image (TIFF or Zarr, integer type).
    labels: PathBuf,
    /// The relabeled image (TIFF or Zarr), in the input's type.
    output: PathBuf,
    /// The first new label.
    #[arg(long, default_value_t = 1)]
    offset: u64,
    /// Also write the forward map as a CSV table `old,new`.
    #[arg(long)]
    map: Option<PathBuf>,
    /// Chunk shape of the computation and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the outputs if they exist.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.labels)?;
    with_label_dtype!(info.dtype, args.labels, T => relabel::<T>(&args, exec))
}

fn relabel<T: LabelValue>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.labels)?;
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let relabel = RelabelSequential::new().offset(args.offset).chunks(&chunks);
    let (forward, _) = relabel.maps(exec, &source)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: source.voxel_size(),
        ..WriteOptions::default()
    };
    let header = ["old".to_string(), "new".to_string()];
    let table = match &args.map {
        Some(path) => Some(Table::create(Some(path), args.overwrite, &header)?),
        None => None,
    };
    let mut sink = io::create::<T>(&args.output, source.shape(), &chunks, &options)?;
    tesserae::store(exec, &forward.apply_chunked(&source)?, &mut sink)?;
    if let Some(mut table) = table {
        for (old, new) in forward.iter() {
            table.row(&[old.to_string(), new.to_string()])?;
        }
        table.finish()?;
    }
    let count = forward.iter().filter(|&(old, _)| old != 0).count();
    println!("{count} labels");
    Ok(())
}
