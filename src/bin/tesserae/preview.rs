//! `tesserae preview INPUT [--labels LABELS] [--z K | --mip] [--outline | --fill] OUTPUT.png`:
//! a contrast-stretched plane with label outlines or fills, as a PNG.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use tesserae::io::png::{self, Overlay, PlaneChoice, Preview};
use tesserae::ndmeasure::LabelValue;
use tesserae::{Element, Error, Result, io, with_dtype};

use crate::labels::{open_labels, with_labels};

/// Arguments of `tesserae preview`.
#[derive(clap::Args)]
pub struct Args {
    /// The image (TIFF or Zarr, 2-D or 3-D), stretched between its 0.5th and 99.5th percentiles.
    input: PathBuf,
    /// The PNG to write.
    output: PathBuf,
    /// A label image of the input's shape, drawn over it in distinct colours.
    #[arg(long, short)]
    labels: Option<PathBuf>,
    /// For a 3-D image: the z-plane to show (default: the middle one).
    #[arg(long, short, conflicts_with = "mip")]
    z: Option<usize>,
    /// For a 3-D image: the maximum projection along z (labels: their maximum too).
    #[arg(long)]
    mip: bool,
    /// Outline every label (the default).
    #[arg(long, conflicts_with = "fill")]
    outline: bool,
    /// Fill every label with its colour at 40 % opacity instead of outlining it.
    #[arg(long)]
    fill: bool,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, _exec: &tesserae::Executor) -> Result<()> {
    if args.output.exists() && !args.overwrite {
        return Err(Error::Exists {
            path: args.output.clone(),
        });
    }
    let choice = match (args.z, args.mip) {
        (Some(z), _) => PlaneChoice::Z(z),
        (None, true) => PlaneChoice::MaxProjection,
        (None, false) => PlaneChoice::Middle,
    };
    let preview = Preview::new().overlay(if args.fill {
        Overlay::Fill
    } else {
        Overlay::Outline
    });
    let info = io::probe(&args.input)?;
    with_dtype!(info.dtype, T => render::<T>(&args, &info.shape, choice, preview)?);
    eprintln!(
        "wrote {} ({})",
        args.output.display(),
        describe(&info.shape, choice)
    );
    Ok(())
}

fn render<T: Element>(
    args: &Args,
    shape: &[usize],
    choice: PlaneChoice,
    preview: Preview,
) -> Result<()> {
    let image = png::plane(&*io::open::<T>(&args.input)?, choice)?;
    match &args.labels {
        None => preview.write::<T, u32>(&image.view(), None, &args.output),
        Some(path) => {
            let info = io::probe(path)?;
            if info.shape != shape {
                return Err(Error::ShapeMismatch {
                    expected: shape.to_vec(),
                    found: info.shape,
                });
            }
            with_labels!(open_labels(path, info.dtype)?, labels => {
                let labels = png::plane(&*labels, choice)?;
                write_with(&preview, &image, &labels, &args.output)
            })
        }
    }
}

fn write_with<T: Element, L: LabelValue>(
    preview: &Preview,
    image: &Array2<T>,
    labels: &Array2<L>,
    output: &Path,
) -> Result<()> {
    preview.write(&image.view(), Some(&labels.view()), output)
}

/// What plane of the image the preview shows.
pub fn describe(shape: &[usize], choice: PlaneChoice) -> String {
    if shape.len() != 3 {
        return "the image".into();
    }
    match choice {
        PlaneChoice::Middle => format!("z-plane {} of {}", shape[0] / 2, shape[0]),
        PlaneChoice::Z(z) => format!("z-plane {z} of {}", shape[0]),
        PlaneChoice::MaxProjection => "maximum projection along z".into(),
    }
}
