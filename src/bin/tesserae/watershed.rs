//! `tesserae watershed IMAGE [MARKERS] OUTPUT`: the seeded watershed of IMAGE
//! from the labels of MARKERS (or of its local minima), voxel for voxel as
//! scikit-image's `segmentation.watershed`.

use std::path::{Path, PathBuf};

use tesserae::io::{self, WriteOptions};
use tesserae::ndmeasure::LabelValue;
use tesserae::segmentation::Watershed;
use tesserae::{DataType, Element, Error, Executor, Result, Source};

use crate::args;
use crate::labels::with_label_dtype;
use crate::open::{open_as, open_mask};

/// Arguments of `tesserae watershed`.
#[derive(clap::Args)]
pub struct Args {
    /// IMAGE [MARKERS] OUTPUT. IMAGE: the image to flood, lowest values first (TIFF or Zarr),
    /// e.g. the negated distance transform. MARKERS: a label image of the image's shape
    /// (0: no marker; integers >= 0); left out, the image's local minima, labeled with
    /// --connectivity, as scikit-image does. OUTPUT: the labels (TIFF or Zarr), in the
    /// markers' type (uint32 without markers).
    #[arg(num_args = 2..=3, required = true, value_names = ["IMAGE", "MARKERS", "OUTPUT"])]
    paths: Vec<PathBuf>,
    /// Only voxels where this image is nonzero are labeled.
    #[arg(long)]
    mask: Option<PathBuf>,
    /// Neighbourhood: 1 = face neighbours (scikit-image's default) … ndim = the full box.
    #[arg(long, default_value_t = 1)]
    connectivity: usize,
    /// Compact watershed: priority grows by this times the distance to the marker.
    #[arg(long, default_value_t = 0.0)]
    compactness: f64,
    /// Leave a line of label 0 between basins.
    #[arg(long)]
    watershed_line: bool,
    /// Chunk shape of the reads and of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

/// The paths of `tesserae watershed`, markers optional.
struct Paths<'a> {
    image: &'a Path,
    markers: Option<&'a Path>,
    output: &'a Path,
}

impl Args {
    fn paths(&self) -> Paths<'_> {
        match self.paths.as_slice() {
            [image, markers, output] => Paths {
                image,
                markers: Some(markers),
                output,
            },
            [image, output, ..] => Paths {
                image,
                markers: None,
                output,
            },
            _ => unreachable!("clap takes two or three paths"),
        }
    }
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let paths = args.paths();
    let image = io::probe(paths.image)?;
    if args.connectivity == 0 || args.connectivity > image.shape.len() {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {} for a {}-d image",
            image.shape.len(),
            image.shape.len()
        )));
    }
    let exact_in_f32 = matches!(
        image.dtype,
        DataType::U8 | DataType::I8 | DataType::U16 | DataType::I16 | DataType::F32
    );
    let Some(markers) = paths.markers else {
        return if exact_in_f32 {
            flood::<f32, u32>(&args, exec)
        } else {
            flood::<f64, u32>(&args, exec)
        };
    };
    with_label_dtype!(io::probe(markers)?.dtype, markers, L => {
        if exact_in_f32 {
            flood::<f32, L>(&args, exec)
        } else {
            flood::<f64, L>(&args, exec)
        }
    })
}

fn flood<V: Element, L: LabelValue>(args: &Args, exec: &Executor) -> Result<()> {
    let paths = args.paths();
    let image = open_as::<V>(paths.image)?;
    let markers = paths.markers.map(io::open::<L>).transpose()?;
    let mask = args.mask.as_deref().map(open_mask).transpose()?;
    let chunks = args::chunks_for(&*image, args.chunks.as_ref(), exec)?;
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: image.voxel_size(),
        ..WriteOptions::default()
    };
    let shape = image.shape().to_vec();
    if let Some(markers) = &markers
        && markers.shape() != shape.as_slice()
    {
        return Err(Error::InvalidArgument(format!(
            "the markers have shape {:?} but the image has {shape:?}",
            markers.shape()
        )));
    }
    let mut sink = io::create::<L>(paths.output, &shape, &chunks, &options)?;
    Watershed::new()
        .connectivity(args.connectivity)
        .compactness(args.compactness)
        .watershed_line(args.watershed_line)
        .run(
            exec,
            &*image,
            markers.as_deref(),
            mask.as_deref(),
            &mut *sink,
        )?;
    crate::progress::wrote(paths.output, &shape, L::DTYPE, &chunks);
    Ok(())
}
