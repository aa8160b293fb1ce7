//! `tesserae pipeline IMAGE --out DIR`: the common nuclei workflow in one
//! command, every step chunked on the engine:
//!
//! gaussian → threshold → fill-holes → remove-small → (clear-border) → label → regionprops,
//!
//! then a preview. The defaults are the example: `--gaussian 1
//! --threshold otsu --fill-holes --remove-small 30 --connectivity 1
//! --regionprops area,centroid,intensity_mean`.
//!
//! When the steps fit `--memory-limit` (about `2 × image + 6` bytes per
//! voxel) the image is read once and every step's output stays in memory.
//! Otherwise steps stream through Zarr stores in a steps folder (removed at
//! the end unless `--keep-steps`), so memory stays at a few chunks per worker:
//! the gaussian is computed once into a store; the threshold is a reduction
//! over it and the mask a comparison, made where it is read; hole filling
//! and border clearing each label their input chunked and write the next
//! store; small objects are removed from the same labeling that gives the
//! final labels. The one-pass properties are measured from the label blocks
//! as they are written (other properties read the labels back). Either way,
//! every step is chunked on the engine and the results are the same.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use ndarray::{Array2, ArrayViewD, Axis, Ix2, s};

use tesserae::io::png::{self, PlaneChoice, Preview};
use tesserae::io::{self, Compression, WriteOptions};
use tesserae::labels::{ClearBorder, KeptObjects, RemoveObjects};
use tesserae::ndfilters::{FilterOutput, GaussianFilter, Threshold, ThresholdMethod, above};
use tesserae::ndmeasure::{
    Connectivity, Label, LabelValue, Measuring, Prepared, RegionProps, RegionTable,
};
use tesserae::ndmorph::FillHoles;
use tesserae::{
    ArraySink, ArraySource, Element, Error, Executor, Region, Result, Sink, Source, VoxelSize,
    store, with_dtype,
};

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
    /// Run the steps in memory when they need at most this much (bytes, or with a
    /// K, M, G or T suffix, powers of 1024); larger images stream through Zarr
    /// stores in the output folder, a few chunks per worker. 0 always streams.
    #[arg(long, default_value = "4G", value_parser = args::bytes)]
    memory_limit: u64,
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
    if let Some(args::Sizes(s)) = &args.spacing
        && s.len() != ndim
    {
        return Err(Error::InvalidArgument(format!(
            "--spacing has {} values for a {ndim}-d image",
            s.len()
        )));
    }
    let mut names = args.regionprops.clone();
    if !names.iter().any(|n| n == "label") {
        names.insert(0, "label".into());
    }
    // Checked before any work, so a misspelt property fails at once.
    RegionProps::new().properties(&names)?;
    std::fs::create_dir_all(&args.out).map_err(|e| Error::io(&args.out, e))?;
    let outputs = Outputs::new(&args)?;
    let voxels: usize = info.shape.iter().product();
    let in_memory =
        !args.keep_steps && (working_set(voxels, info.dtype.size()) as u64) <= args.memory_limit;
    let steps = Steps::new(&args.out, args.keep_steps, in_memory)?;
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

/// Where the steps' outputs live: in memory when the pipeline's working set
/// fits the memory limit, else Zarr stores in a steps folder (DIR/steps when
/// kept, a hidden folder removed on drop otherwise).
struct Steps {
    dir: PathBuf,
    keep: bool,
    in_memory: bool,
}

impl Steps {
    fn new(out: &Path, keep: bool, in_memory: bool) -> Result<Steps> {
        let dir = if keep {
            out.join("steps")
        } else {
            out.join(format!(".steps-{}", std::process::id()))
        };
        if !in_memory {
            std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        Ok(Steps {
            dir,
            keep,
            in_memory,
        })
    }

    /// Runs one step writing into a new sink, then opens what it wrote: an
    /// array in memory, or an uncompressed Zarr store (zstd when kept).
    fn run<T: Element, R>(
        &self,
        name: &str,
        shape: &[usize],
        chunks: &[usize],
        step: impl FnOnce(&mut Box<dyn Sink<Elem = T>>) -> Result<R>,
    ) -> Result<(Box<dyn Source<Elem = T>>, R)> {
        if self.in_memory {
            let array = Arc::new(ArraySink::<T>::new(shape).with_chunks(chunks)?);
            let mut sink: Box<dyn Sink<Elem = T>> = Box::new(Shared(Arc::clone(&array)));
            let result = step(&mut sink)?;
            drop(sink);
            let array = Arc::into_inner(array)
                .ok_or_else(|| Error::Failed(format!("step {name} kept its output")))?;
            let source = ArraySource::new(array.into_array()).with_chunks(chunks)?;
            return Ok((Box::new(Held(source)), result));
        }
        let path = self.dir.join(format!("{name}.zarr"));
        let options = WriteOptions {
            overwrite: true,
            compression: Some(if self.keep {
                Compression::Zstd
            } else {
                Compression::None
            }),
            ..WriteOptions::default()
        };
        let mut sink = io::create::<T>(&path, shape, chunks, &options)?;
        let result = step(&mut sink)?;
        drop(sink);
        Ok((io::open::<T>(&path)?, result))
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        if !self.keep && !self.in_memory {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// An in-memory step's sink, shared with [`Steps::run`], which takes the
/// array back once the step is done.
struct Shared<T>(Arc<ArraySink<T>>);

impl<T: Element> Sink for Shared<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.0.chunk_shape()
    }

    fn write(&self, region: &Region, data: ArrayViewD<'_, T>) -> Result<()> {
        self.0.write(region, data)
    }

    fn write_rows(
        &self,
        region: &Region,
        fill: &mut dyn FnMut(usize, &mut [T]),
    ) -> Option<Result<()>> {
        self.0.write_rows(region, fill)
    }

    /// Writes to an array are complete when they return.
    fn commit(&mut self) -> Result<()> {
        Ok(())
    }
}

/// An in-memory step's output, read as contiguous copies of the regions asked
/// for: the kernels downstream run fastest over contiguous blocks.
struct Held<T>(ArraySource<T>);

impl<T: Element> Source for Held<T> {
    type Elem = T;

    fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.0.chunk_shape()
    }

    fn read(&self, region: &Region) -> Result<ndarray::ArrayD<T>> {
        self.0.read(region)
    }
}

/// Bytes per voxel the in-memory steps hold at most at once: the image and
/// the smoothed image, two masks, and the labels with the image while
/// measuring.
fn working_set(voxels: usize, elem: usize) -> usize {
    voxels.saturating_mul(2 * elem + 2 + 4)
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
    let file = io::open::<T>(&args.image)?;
    let shape = file.shape().to_vec();
    let chunks = args::chunks_for(&*file, args.chunks.as_ref(), exec)?;
    let connectivity = Connectivity::Axes(args.connectivity);
    let voxel_size = file.voxel_size();
    let image: Box<dyn Source<Elem = T>> = if steps.in_memory {
        let array = ArraySource::new(file.read(&Region::full(&shape))?).with_chunks(&chunks)?;
        Box::new(Held(array))
    } else {
        file
    };

    // gaussian: computed once (the threshold and the mask both read it).
    let started = Instant::now();
    let smoothed: Box<dyn Source<Elem = T>> = if args.gaussian > 0.0 {
        let lazy = GaussianFilter::new(args.gaussian)
            .chunks(&chunks)
            .lazy::<_, T>(tesserae::rechunk(&image, &chunks)?)?;
        let (smoothed, ()) =
            steps.run("smoothed", &shape, &chunks, |sink| store(exec, &lazy, sink))?;
        report("gaussian", started, &format!("sigma {}", args.gaussian));
        smoothed
    } else {
        Box::new(tesserae::rechunk(&image, &chunks)?)
    };

    // threshold: a reduction over the smoothed image, then the mask smoothed > t,
    // computed where it is read (stored only to keep it).
    let started = Instant::now();
    let (t, how) = match args.threshold {
        ThresholdChoice::Value(v) => (v, "given".to_string()),
        ThresholdChoice::Method(m) => (
            Threshold::new(m).chunks(&chunks).compute(exec, &smoothed)?,
            m.name().to_string(),
        ),
    };
    let mask = above(tesserae::rechunk(smoothed, &chunks)?, t)?;
    let mut current: Box<dyn Source<Elem = u8> + '_> = if steps.keep {
        steps
            .run("mask", &shape, &chunks, |sink| store(exec, &mask, sink))?
            .0
    } else {
        Box::new(mask)
    };
    report("threshold", started, &format!("{how} threshold {t}"));

    if args.fill_holes || !args.no_fill_holes {
        let started = Instant::now();
        (current, ()) = steps.run("filled", &shape, &chunks, |sink| {
            FillHoles::new().chunks(&chunks).run(exec, &current, sink)
        })?;
        report("fill-holes", started, "holes filled");
    }
    if args.clear_border {
        if args.remove_small > 0 {
            let started = Instant::now();
            let removed;
            (current, removed) = steps.run("cleaned", &shape, &chunks, |sink| {
                remove_small(args, connectivity, &chunks).run_mask(exec, &current, sink)
            })?;
            report_removed(args, started, removed);
        }
        let started = Instant::now();
        let cleared;
        (current, cleared) = steps.run("cleared", &shape, &chunks, |sink| {
            ClearBorder::<u8>::new()
                .chunks(&chunks)
                .run(exec, &current, sink)
        })?;
        report(
            "clear-border",
            started,
            &format!("{cleared} objects touching the border removed"),
        );
    }

    // label: the final label image, u32 unless the objects need u64. Small
    // objects are removed from the same labeling: the labels of the cleaned
    // mask are the kept objects renumbered in order.
    let spacing = match &args.spacing {
        Some(args::Sizes(s)) => Some(VoxelSize::new(
            s.clone(),
            voxel_size.as_ref().and_then(|v| v.unit().map(String::from)),
        )),
        None => voxel_size,
    };
    let labeling = if args.remove_small > 0 && !args.clear_border {
        let started = Instant::now();
        let kept = remove_small(args, connectivity, &chunks).prepare_mask(exec, &current)?;
        if steps.keep {
            steps.run("cleaned", &shape, &chunks, |sink| {
                kept.write_mask(exec, sink)
            })?;
        }
        report_removed(args, started, kept.removed());
        Labeling::Kept(kept)
    } else {
        Labeling::All(
            Label::new(connectivity)
                .chunks(&chunks)
                .prepare(exec, &current)?,
        )
    };
    let count = labeling.count();
    let finish = Finish {
        names,
        spacing: spacing.as_ref(),
        chunks: &chunks,
        args,
        outputs,
        steps,
        exec,
        started: Instant::now(),
    };
    let rows = if u32::try_from(count).is_ok() {
        label_and_measure::<T, _, u32>(labeling, &*image, &finish)?
    } else {
        label_and_measure::<T, _, u64>(labeling, &*image, &finish)?
    };
    report("total", total, "all steps");

    crate::progress::wrote(&outputs.labels, &shape, count_dtype(count), &chunks);
    eprintln!("wrote {} ({rows} objects)", outputs.table.display());
    eprintln!("wrote {}", outputs.preview.display());
    if steps.keep {
        eprintln!("kept the steps in {}", steps.dir.display());
    }
    Ok(())
}

/// The remove-small step's operation.
fn remove_small(args: &Args, connectivity: Connectivity, chunks: &[usize]) -> RemoveObjects {
    RemoveObjects::small(args.remove_small)
        .connectivity(connectivity)
        .chunks(chunks)
}

/// Prints the remove-small step's line.
fn report_removed(args: &Args, started: Instant, removed: usize) {
    report(
        "remove-small",
        started,
        &format!(
            "{removed} objects of at most {} voxels removed",
            args.remove_small
        ),
    );
}

/// The final labeling: every object of the last mask, or the objects that
/// survive the removal of small ones.
enum Labeling<'a, S: Source> {
    All(Prepared<'a, S::Elem>),
    Kept(KeptObjects<'a, S>),
}

impl<S: Source> Labeling<'_, S> {
    fn count(&self) -> usize {
        match self {
            Labeling::All(prepared) => prepared.count(),
            Labeling::Kept(kept) => kept.count(),
        }
    }

    /// Writes the labels into `sink` (committed).
    fn write<K: Sink<Elem = L>, L: LabelValue>(
        self,
        exec: &Executor,
        sink: &mut K,
    ) -> Result<usize> {
        match self {
            Labeling::All(prepared) => prepared.write(exec, sink),
            Labeling::Kept(kept) => kept.write_labels(exec, sink),
        }
    }
}

/// What labeling and measuring need besides the labeling and the image.
#[derive(Clone, Copy)]
struct Finish<'a> {
    names: &'a [String],
    spacing: Option<&'a VoxelSize>,
    chunks: &'a [usize],
    args: &'a Args,
    outputs: &'a Outputs,
    steps: &'a Steps,
    exec: &'a Executor,
    started: Instant,
}

/// Writes the final labels to the labels file and measures them; returns
/// the table's rows. One-pass properties are measured from the blocks as they
/// are written; properties that need the objects' images read the labels
/// again (held in memory for in-memory steps, else from the file).
fn label_and_measure<T: FilterOutput, S: Source, L: LabelValue>(
    labeling: Labeling<'_, S>,
    image: &dyn Source<Elem = T>,
    finish: &Finish<'_>,
) -> Result<usize> {
    let Finish {
        names,
        spacing,
        chunks,
        args,
        outputs,
        steps,
        exec,
        started,
    } = *finish;
    let count = labeling.count();
    let shape = image.shape();
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: spacing.cloned(),
        ..WriteOptions::default()
    };
    let mut props = RegionProps::new().properties(names)?.chunks(chunks);
    if let Some(spacing) = spacing {
        props = props.spacing(spacing.size());
    }
    let sink = io::create::<L>(&outputs.labels, shape, chunks, &options)?;
    if !props.needs_object_images() {
        let mut measured = Measured {
            file: sink,
            measuring: props.measuring(shape, Some(image))?,
            plane: PlaneCut::new(shape),
        };
        labeling.write(exec, &mut measured)?;
        report("label", started, &format!("{count} objects"));
        let started = Instant::now();
        let table = measured.measuring.finish()?;
        let rows = write_table(&table, outputs, started)?;
        preview(image, &measured.plane.into_plane(), outputs)?;
        return Ok(rows);
    }
    let mut sink = sink;
    let labels: Box<dyn Source<Elem = L>> = if steps.in_memory {
        let mut array = ArraySink::<L>::new(shape).with_chunks(chunks)?;
        labeling.write(exec, &mut array)?;
        let labels = Held(ArraySource::new(array.into_array()).with_chunks(chunks)?);
        store(exec, &labels, &mut sink)?;
        Box::new(labels)
    } else {
        labeling.write(exec, &mut sink)?;
        drop(sink);
        io::open::<L>(&outputs.labels)?
    };
    report("label", started, &format!("{count} objects"));
    let started = Instant::now();
    let table = props.run(exec, &*labels, Some(image))?;
    let rows = write_table(&table, outputs, started)?;
    preview(image, &png::plane(&*labels, PlaneChoice::Middle)?, outputs)?;
    Ok(rows)
}

/// The labels' sink when the table is measured as the labels are written:
/// every block goes to the labels file and to the measuring, and the
/// preview plane's part of it is kept.
struct Measured<'a, K, T: Element, L> {
    file: K,
    measuring: Measuring<'a, dyn Source<Elem = T> + 'a>,
    plane: PlaneCut<L>,
}

impl<K: Sink<Elem = L>, T: Element, L: LabelValue> Sink for Measured<'_, K, T, L> {
    type Elem = L;

    fn shape(&self) -> &[usize] {
        self.file.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        self.file.chunk_shape()
    }

    fn write(&self, region: &Region, data: ArrayViewD<'_, L>) -> Result<()> {
        self.measuring.add(region, &data)?;
        self.plane.keep(region, &data);
        self.file.write(region, data)
    }

    fn commit(&mut self) -> Result<()> {
        self.file.commit()
    }
}

/// The preview's plane of the labels (the middle z-plane, or a 2-D image
/// whole), gathered from the blocks written.
struct PlaneCut<L> {
    /// The z-plane kept (`None` for a 2-D image).
    z: Option<usize>,
    plane: Mutex<Array2<L>>,
}

impl<L: LabelValue> PlaneCut<L> {
    fn new(shape: &[usize]) -> PlaneCut<L> {
        let (z, yx) = match shape {
            [depth, h, w] => (Some(depth / 2), (*h, *w)),
            [h, w] => (None, (*h, *w)),
            _ => (None, (0, 0)),
        };
        PlaneCut {
            z,
            plane: Mutex::new(Array2::zeros(yx)),
        }
    }

    /// Copies the part of the plane in `region` (whose values are `data`).
    fn keep(&self, region: &Region, data: &ArrayViewD<'_, L>) {
        let (start, shape) = (region.start(), region.shape());
        let block = match self.z {
            Some(z) if (start[0]..start[0] + shape[0]).contains(&z) => {
                data.index_axis(Axis(0), z - start[0])
            }
            Some(_) => return,
            None => data.view(),
        };
        let n = start.len();
        let Ok(block) = block.into_dimensionality::<Ix2>() else {
            return;
        };
        let mut plane = self.plane.lock().unwrap_or_else(|p| p.into_inner());
        plane
            .slice_mut(s![
                start[n - 2]..start[n - 2] + shape[n - 2],
                start[n - 1]..start[n - 1] + shape[n - 1]
            ])
            .assign(&block);
    }

    fn into_plane(self) -> Array2<L> {
        self.plane.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

fn count_dtype(count: usize) -> tesserae::DataType {
    if count <= u32::MAX as usize {
        tesserae::DataType::U32
    } else {
        tesserae::DataType::U64
    }
}

/// Writes the regionprops table; returns its rows.
fn write_table(table: &RegionTable, outputs: &Outputs, started: Instant) -> Result<usize> {
    let mut out = Table::create(Some(&outputs.table), true, table.names())?;
    for row in 0..table.len() {
        out.row(&table.row_text(row))?;
    }
    out.finish()?;
    report("regionprops", started, &format!("{} rows", table.len()));
    Ok(table.len())
}

/// Writes the preview of the image's middle plane with the labels' outlines.
fn preview<T: FilterOutput, L: LabelValue>(
    image: &dyn Source<Elem = T>,
    labels: &Array2<L>,
    outputs: &Outputs,
) -> Result<()> {
    let started = Instant::now();
    let choice = PlaneChoice::Middle;
    let plane = png::plane(image, choice)?;
    Preview::new().write(&plane.view(), Some(&labels.view()), &outputs.preview)?;
    report(
        "preview",
        started,
        &crate::preview::describe(image.shape(), choice),
    );
    Ok(())
}
