//! `tesserae pipeline IMAGE --out DIR`: the common nuclei workflow in one
//! command, every step chunked on the engine:
//!
//! gaussian → threshold → fill-holes → remove-small → (clear-border) → label → regionprops,
//!
//! then a preview. The defaults are the example: `--gaussian 1
//! --threshold otsu --fill-holes --remove-small 30 --connectivity 1
//! --regionprops area,centroid,intensity_mean`.
//!
//! Steps stream through sources and Zarr stores in a steps folder (removed at
//! the end unless `--keep-steps`), so memory stays at a few chunks per worker:
//! the gaussian is computed once into a store; the threshold is a reduction
//! over it and the mask a lazy comparison; hole filling, object removal and
//! border clearing each label their input chunked (two passes) and write the
//! next store; labeling writes the final labels; regionprops accumulates per
//! label in one pass plus per-object boxes. Only the preview holds a whole
//! plane (one z-plane of the image and of the labels).

use std::path::{Path, PathBuf};
use std::time::Instant;

use tesserae::io::png::{self, PlaneChoice, Preview};
use tesserae::io::{self, Compression, WriteOptions};
use tesserae::labels::{ClearBorder, RemoveObjects};
use tesserae::ndfilters::{above, FilterOutput, GaussianFilter, Threshold, ThresholdMethod};
use tesserae::ndmeasure::{Connectivity, Label, LabelValue, RegionProps};
use tesserae::ndmorph::FillHoles;
use tesserae::{store, with_dtype, Error, Executor, Result, Sink, Source, VoxelSize};

use crate::args;
use crate::table::Table;

/// Arguments of `tesserae pipeline`.
#[derive(clap::Args)]
pub struct Args {
    /// The image to segment (TIFF or Zarr, 2-D or 3-D).
    image: PathBuf,
    /// The folder to write labels.{tif,zarr}, regionprops.csv and preview.png into.
    #[arg(long)]
    out: PathBuf,
    /// Gaussian smoothing sigma, in voxels (0 = no smoothing); the smoothed image
    /// keeps the input's type, as scipy.ndimage.gaussian_filter's default output.
    #[arg(long, default_value_t = 1.0)]
    gaussian: f64,
    /// otsu, li, yen, triangle, mean, isodata (scikit-image's) or a number; the mask is smoothed > threshold.
    #[arg(long, default_value = "otsu", value_parser = threshold)]
    threshold: ThresholdChoice,
    /// Fill the holes of the mask (scipy's binary_fill_holes, face connectivity); the default.
    #[arg(long, overrides_with = "no_fill_holes")]
    fill_holes: bool,
    /// Do not fill holes.
    #[arg(long, overrides_with = "fill_holes")]
    no_fill_holes: bool,
    /// Remove objects of at most this many voxels (scikit-image 0.26 max_size; 0 = keep all).
    #[arg(long, default_value_t = 30)]
    remove_small: u64,
    /// Remove objects touching the image border (scikit-image's clear_border).
    #[arg(long)]
    clear_border: bool,
    /// Neighbours of objects for removal and labeling: 1 = faces … ndim = faces, edges and corners.
    #[arg(long, short, default_value_t = 1)]
    connectivity: usize,
    /// Properties by their scikit-image names, comma-separated (label is always the first column).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "label,area,centroid,intensity_mean"
    )]
    regionprops: Vec<String>,
    /// Voxel size per axis, e.g. 2,0.5,0.5 (default: the image's metadata, else 1).
    #[arg(long, value_parser = args::sizes)]
    spacing: Option<args::Sizes>,
    /// Chunk shape of every step and of Zarr outputs (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// The label image's format.
    #[arg(long, value_enum, default_value_t = LabelsFormat::Tif)]
    labels_format: LabelsFormat,
    /// Keep every step's output in DIR/steps/ (smoothed, mask, filled, cleaned, cleared .zarr).
    #[arg(long)]
    keep_steps: bool,
    /// Replace outputs that exist.
    #[arg(long)]
    overwrite: bool,
}

/// The label image's format.
#[derive(Clone, Copy, clap::ValueEnum)]
enum LabelsFormat {
    Tif,
    Zarr,
}

/// A threshold method or a fixed value.
#[derive(Clone, Copy, Debug)]
pub enum ThresholdChoice {
    Method(ThresholdMethod),
    Value(f64),
}

fn threshold(text: &str) -> std::result::Result<ThresholdChoice, String> {
    if let Some(method) = ThresholdMethod::parse(text) {
        return Ok(ThresholdChoice::Method(method));
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(ThresholdChoice::Value(v)),
        _ => Err(format!(
            "'{text}': expected otsu, li, yen, triangle, mean, isodata or a number"
        )),
    }
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.image)?;
    let ndim = info.shape.len();
    if ndim != 2 && ndim != 3 {
        return Err(Error::InvalidArgument(format!(
            "the pipeline needs a 2-D or 3-D image, not {ndim}-D"
        )));
    }
    if args.connectivity == 0 || args.connectivity > ndim {
        return Err(Error::InvalidArgument(format!(
            "--connectivity must be between 1 and {ndim} for a {ndim}-d image"
        )));
    }
    if !(args.gaussian >= 0.0 && args.gaussian.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "--gaussian {} must be a non-negative number",
            args.gaussian
        )));
    }
    if let Some(args::Sizes(s)) = &args.spacing {
        if s.len() != ndim {
            return Err(Error::InvalidArgument(format!(
                "--spacing has {} values for a {ndim}-d image",
                s.len()
            )));
        }
    }
    let mut names = args.regionprops.clone();
    if !names.iter().any(|n| n == "label") {
        names.insert(0, "label".into());
    }
    // Checked before any work, so a misspelt property fails at once.
    RegionProps::new().properties(&names)?;
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let outputs = Outputs::new(&args)?;
    let steps = Steps::new(&args.out, args.keep_steps)?;
    with_dtype!(info.dtype, T => segment::<T>(&args, &names, &outputs, &steps, exec))
}

/// Where the results go.
struct Outputs {
    labels: PathBuf,
    table: PathBuf,
    preview: PathBuf,
}

impl Outputs {
    fn new(args: &Args) -> Result<Outputs> {
        let labels = args.out.join(match args.labels_format {
            LabelsFormat::Tif => "labels.tif",
            LabelsFormat::Zarr => "labels.zarr",
        });
        let outputs = Outputs {
            labels,
            table: args.out.join("regionprops.csv"),
            preview: args.out.join("preview.png"),
        };
        if !args.overwrite {
            for path in [&outputs.labels, &outputs.table, &outputs.preview] {
                if path.exists() {
                    return Err(Error::Exists { path: path.clone() });
                }
            }
        }
        Ok(outputs)
    }
}

/// The folder of intermediate stores: DIR/steps (kept) or a hidden one removed on drop.
struct Steps {
    dir: PathBuf,
    keep: bool,
}

impl Steps {
    fn new(out: &Path, keep: bool) -> Result<Steps> {
        let dir = if keep {
            out.join("steps")
        } else {
            out.join(format!(".steps-{}", std::process::id()))
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Steps { dir, keep })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.zarr"))
    }

    /// A new uncompressed store for a step (compression would only cost time here).
    fn create<T: tesserae::Element>(
        &self,
        name: &str,
        shape: &[usize],
        chunks: &[usize],
    ) -> Result<Box<dyn Sink<Elem = T>>> {
        let options = WriteOptions {
            overwrite: true,
            compression: Some(if self.keep {
                Compression::Zstd
            } else {
                Compression::None
            }),
            ..WriteOptions::default()
        };
        io::create::<T>(&self.path(name), shape, chunks, &options)
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Prints one step's line: its name, the time it took and what it did.
fn report(step: &str, started: Instant, what: &str) {
    println!(
        "{step:<13} {:>9.3} s  {what}",
        started.elapsed().as_secs_f64()
    );
}

fn segment<T: FilterOutput>(
    args: &Args,
    names: &[String],
    outputs: &Outputs,
    steps: &Steps,
    exec: &Executor,
) -> Result<()> {
    let total = Instant::now();
    let image = io::open::<T>(&args.image)?;
    let shape = image.shape().to_vec();
    let chunks = args::chunks_for(&*image, args.chunks.as_ref(), exec)?;
    let connectivity = Connectivity::Axes(args.connectivity);

    // gaussian: computed once into a store (the threshold and the mask both read it).
    let started = Instant::now();
    let smoothed: Box<dyn Source<Elem = T>> = if args.gaussian > 0.0 {
        let lazy = GaussianFilter::new(args.gaussian)
            .chunks(&chunks)
            .lazy::<_, T>(tesserae::rechunk(&image, &chunks)?)?;
        let mut sink = steps.create::<T>("smoothed", &shape, &chunks)?;
        store(exec, &lazy, &mut sink)?;
        report("gaussian", started, &format!("sigma {}", args.gaussian));
        io::open::<T>(&steps.path("smoothed"))?
    } else {
        io::open::<T>(&args.image)?
    };

    // threshold: a reduction over the smoothed image, then the mask smoothed > t.
    let started = Instant::now();
    let (t, how) = match args.threshold {
        ThresholdChoice::Value(v) => (v, "given".to_string()),
        ThresholdChoice::Method(m) => (
            Threshold::new(m).chunks(&chunks).compute(exec, &smoothed)?,
            m.name().to_string(),
        ),
    };
    let mut mask_sink = steps.create::<u8>("mask", &shape, &chunks)?;
    store(
        exec,
        &above(tesserae::rechunk(&smoothed, &chunks)?, t)?,
        &mut mask_sink,
    )?;
    report("threshold", started, &format!("{how} threshold {t}"));
    let mut current = steps.path("mask");

    if args.fill_holes || !args.no_fill_holes {
        let started = Instant::now();
        let mask = io::open::<u8>(&current)?;
        let mut sink = steps.create::<u8>("filled", &shape, &chunks)?;
        FillHoles::new()
            .chunks(&chunks)
            .run(exec, &mask, &mut sink)?;
        report("fill-holes", started, "holes filled");
        current = steps.path("filled");
    }
    if args.remove_small > 0 {
        let started = Instant::now();
        let mask = io::open::<u8>(&current)?;
        let mut sink = steps.create::<u8>("cleaned", &shape, &chunks)?;
        let removed = RemoveObjects::small(args.remove_small)
            .connectivity(connectivity)
            .chunks(&chunks)
            .run_mask(exec, &mask, &mut sink)?;
        report(
            "remove-small",
            started,
            &format!(
                "{removed} objects of at most {} voxels removed",
                args.remove_small
            ),
        );
        current = steps.path("cleaned");
    }
    if args.clear_border {
        let started = Instant::now();
        let mask = io::open::<u8>(&current)?;
        let mut sink = steps.create::<u8>("cleared", &shape, &chunks)?;
        let cleared = ClearBorder::<u8>::new()
            .chunks(&chunks)
            .run(exec, &mask, &mut sink)?;
        report(
            "clear-border",
            started,
            &format!("{cleared} objects touching the border removed"),
        );
        current = steps.path("cleared");
    }

    // label: the final label image, u32 unless the objects need u64.
    let started = Instant::now();
    let spacing = match &args.spacing {
        Some(args::Sizes(s)) => Some(VoxelSize::new(
            s.clone(),
            image.voxel_size().and_then(|v| v.unit().map(String::from)),
        )),
        None => image.voxel_size(),
    };
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: spacing.clone(),
        ..WriteOptions::default()
    };
    let mask = io::open::<u8>(&current)?;
    let prepared = Label::new(connectivity)
        .chunks(&chunks)
        .prepare(exec, &mask)?;
    let count = if u32::try_from(prepared.count()).is_ok() {
        let mut sink = io::create::<u32>(&outputs.labels, &shape, &chunks, &options)?;
        prepared.write(exec, &mut sink)?
    } else {
        let mut sink = io::create::<u64>(&outputs.labels, &shape, &chunks, &options)?;
        prepared.write(exec, &mut sink)?
    };
    report("label", started, &format!("{count} objects"));

    let started = Instant::now();
    let rows = if count <= u32::MAX as usize {
        measure::<T, u32>(&args.image, names, spacing.as_ref(), &chunks, outputs, exec)?
    } else {
        measure::<T, u64>(&args.image, names, spacing.as_ref(), &chunks, outputs, exec)?
    };
    report("regionprops", started, &format!("{rows} rows"));

    let started = Instant::now();
    let choice = PlaneChoice::Middle;
    let plane = png::plane(&*io::open::<T>(&args.image)?, choice)?;
    if count <= u32::MAX as usize {
        let labels = png::plane(&*io::open::<u32>(&outputs.labels)?, choice)?;
        Preview::new().write(&plane.view(), Some(&labels.view()), &outputs.preview)?;
    } else {
        let labels = png::plane(&*io::open::<u64>(&outputs.labels)?, choice)?;
        Preview::new().write(&plane.view(), Some(&labels.view()), &outputs.preview)?;
    }
    report(
        "preview",
        started,
        &crate::preview::describe(&shape, choice),
    );
    report("total", total, "all steps");

    crate::progress::wrote(&outputs.labels, &shape, count_dtype(count), &chunks);
    eprintln!("wrote {} ({rows} objects)", outputs.table.display());
    eprintln!("wrote {}", outputs.preview.display());
    if steps.keep {
        eprintln!("kept the steps in {}", steps.dir.display());
    }
    Ok(())
}

fn count_dtype(count: usize) -> tesserae::DataType {
    if count <= u32::MAX as usize {
        tesserae::DataType::U32
    } else {
        tesserae::DataType::U64
    }
}

/// Writes the regionprops table of the labels, with the input image as the
/// intensity image; returns its rows.
fn measure<T: FilterOutput, L: LabelValue>(
    image: &Path,
    names: &[String],
    spacing: Option<&VoxelSize>,
    chunks: &[usize],
    outputs: &Outputs,
    exec: &Executor,
) -> Result<usize> {
    let labels = io::open::<L>(&outputs.labels)?;
    let intensity = io::open::<T>(image)?;
    let mut props = RegionProps::new().properties(names)?.chunks(chunks);
    if let Some(spacing) = spacing {
        props = props.spacing(spacing.size());
    }
    let table = props.run(exec, &*labels, Some(&*intensity))?;
    let mut out = Table::create(Some(&outputs.table), true, table.names())?;
    for row in 0..table.len() {
        out.row(&table.row_text(row))?;
    }
    out.finish()?;
    Ok(table.len())
}
