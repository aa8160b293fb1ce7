//! scikit-image's `regionprops_table`, blockwise: [`RegionProps`] computes the
//! region properties of every object of a label image of any size, with
//! scikit-image 0.26's names, definitions, column names and `spacing`.
//!
//! The one-pass properties (counts, bounding boxes, centroids, moments,
//! inertia, intensity statistics, weighted moments) accumulate chunk by chunk
//! into a sparse per-label accumulator, merged across chunks in a tree; every
//! derived property follows in closed form. Properties that need each object's
//! image ([`Property::needs_object_image`]) take a second pass over the objects'
//! bounding boxes.
//!
//! ```
//! use ndarray::array;
//! use tesserae::ndmeasure::RegionProps;
//! use tesserae::{ArraySource, Executor};
//!
//! let labels = array![[1u8, 1, 0, 0], [1, 1, 0, 2], [0, 0, 0, 2]].into_dyn();
//! let labels = ArraySource::new(labels).with_chunks(&[2, 2])?;
//! let table = RegionProps::new()
//!     .properties(&["label", "area", "centroid"])?
//!     .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)?;
//! assert_eq!(table.names(), ["label", "area", "centroid-0", "centroid-1"]);
//! assert_eq!(table.float("area"), Some(&[4.0, 2.0][..]));
//! assert_eq!(table.float("centroid-0"), Some(&[0.5, 1.5][..]));
//! # Ok::<(), tesserae::Error>(())
//! ```

mod accumulate;
mod compact;
mod derive;
mod extra;
mod image_convex;
mod image_pass;
mod image_props;
mod moments;
mod object_image;
mod property;
mod table;

use std::sync::{Arc, Mutex};

use ndarray::ArrayViewD;

use crate::engine::{ChunkGrid, Executor, Region, Source, VoxelSize};
use crate::error::{Error, Result};
use crate::ndmeasure::labels::LabelValue;
use crate::ndmeasure::sparse::Partial;
use accumulate::{BlockScan, Plan, RegionAcc, Stats, merge};
use derive::Object;
use image_pass::ImagePass;

pub use extra::RegionAccumulator;
pub use image_convex::{
    area_convex, feret_diameter_max, feret_diameter_max_of_convex, image_convex, solidity,
};
pub use image_props::{
    area_filled, coords, euler_number, image, image_filled, image_intensity, intensity_median,
    perimeter, perimeter_crofton,
};
pub use object_image::{ObjectImage, map_objects};
pub use property::Property;
pub use table::{Column, RegionTable};

/// Voxels the one-pass scan reads at a time, about: a few planes, which stay
/// in the processor's cache between reading and scanning.
const SLAB_VOXELS: usize = 1 << 18;

/// The default [`RegionProps::memory_budget`]: 256 MiB.
const DEFAULT_MEMORY_BUDGET: usize = 256 << 20;

/// Configures a region-properties table: which properties, the voxel size,
/// the chunking, user accumulators.
///
/// The default property set is scikit-image's (`label`, `bbox`). Only the
/// passes the requested properties need are run.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{Property, RegionProps};
/// use tesserae::{ArraySource, Executor};
///
/// let labels = ArraySource::new(array![[1u16, 1, 1], [0, 2, 0]].into_dyn());
/// let intensity = ArraySource::new(array![[1.0f32, 2.0, 6.0], [9.0, 4.0, 9.0]].into_dyn());
/// let table = RegionProps::new()
///     .with(&[Property::Label, Property::IntensityMean, Property::Area])
///     .spacing(&[2.0, 0.5])
///     .run(&Executor::new(), &labels, Some(&intensity))?;
/// assert_eq!(table.float("intensity_mean"), Some(&[3.0, 4.0][..]));
/// assert_eq!(table.float("area"), Some(&[3.0, 1.0][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone)]
pub struct RegionProps {
    properties: Vec<Property>,
    spacing: Option<Vec<f64>>,
    chunks: Option<Vec<usize>>,
    memory_budget: usize,
    extras: Vec<Arc<dyn RegionAccumulator>>,
}

impl std::fmt::Debug for RegionProps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegionProps")
            .field("properties", &self.properties)
            .field("spacing", &self.spacing)
            .field("chunks", &self.chunks)
            .field("memory_budget", &self.memory_budget)
            .field(
                "extras",
                &self.extras.iter().map(|e| e.name()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Default for RegionProps {
    fn default() -> Self {
        RegionProps {
            properties: vec![Property::Label, Property::Bbox],
            spacing: None,
            chunks: None,
            memory_budget: DEFAULT_MEMORY_BUDGET,
            extras: Vec::new(),
        }
    }
}

impl RegionProps {
    /// scikit-image's default properties, `label` and `bbox`.
    pub fn new() -> Self {
        RegionProps::default()
    }

    /// The properties, by their scikit-image names, in table order.
    ///
    /// ```
    /// let err = tesserae::ndmeasure::RegionProps::new().properties(&["area", "volume"]);
    /// assert!(err.unwrap_err().to_string().contains("unknown region property 'volume'"));
    /// ```
    pub fn properties<S: AsRef<str>>(self, names: &[S]) -> Result<Self> {
        let properties = names
            .iter()
            .map(|n| n.as_ref().parse())
            .collect::<Result<Vec<Property>>>()?;
        Ok(self.with(&properties))
    }

    /// The properties, in table order.
    pub fn with(mut self, properties: &[Property]) -> Self {
        self.properties = properties.to_vec();
        self
    }

    /// The voxel size along every axis (default: the label source's
    /// [`Source::voxel_size`], else 1); scales the properties as
    /// scikit-image's `spacing` does.
    pub fn spacing(mut self, spacing: &[f64]) -> Self {
        self.spacing = Some(spacing.to_vec());
        self
    }

    /// Chunk shape of the pass (default: the label source's native chunks).
    pub fn chunks(mut self, chunks: &[usize]) -> Self {
        self.chunks = Some(chunks.to_vec());
        self
    }

    /// Bytes the bounding boxes of one batch of objects may take together in
    /// the object-image pass (label, mask and intensity bytes per voxel;
    /// default 256 MiB). Objects of a batch run in parallel; an object larger
    /// than the budget runs alone.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::RegionProps;
    /// use tesserae::{ArraySource, Executor};
    ///
    /// let labels = ArraySource::new(array![[1u8, 1, 0], [1, 0, 2]].into_dyn());
    /// let table = RegionProps::new()
    ///     .properties(&["label", "euler_number", "area_convex"])?
    ///     .memory_budget(1)
    ///     .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)?;
    /// assert_eq!(table.float("area_convex"), Some(&[3.0, 1.0][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn memory_budget(mut self, bytes: usize) -> Self {
        self.memory_budget = bytes;
        self
    }

    /// Adds a user-defined one-pass property, after the built-in ones in the table.
    pub fn extra(mut self, accumulator: Arc<dyn RegionAccumulator>) -> Self {
        self.extras.push(accumulator);
        self
    }

    /// The table of the objects of `labels` (2-D or 3-D, label 0 is
    /// background), one row per label present in ascending order.
    ///
    /// `intensity` has the labels' shape, or that shape plus a trailing
    /// channel axis (one column set per channel, scikit-image's `-c` suffix).
    pub fn run<L, S>(
        &self,
        exec: &Executor,
        labels: &L,
        intensity: Option<&S>,
    ) -> Result<RegionTable>
    where
        L: Source + ?Sized,
        L::Elem: LabelValue,
        S: Source + ?Sized,
    {
        let shape = labels.shape().to_vec();
        let setup = self.setup(&shape, labels.voxel_size(), intensity)?;
        let plan = &setup.plan;
        let grid = ChunkGrid::new(
            &shape,
            self.chunks.as_deref().unwrap_or(labels.chunk_shape()),
        )?;
        let one_pass_intensity = intensity.filter(|_| setup.wants_values());
        // Sources stored plane by plane (TIFF) are read in slabs; sources in
        // deeper chunks (Zarr) a chunk at a time: their chunks are decoded
        // whole anyway, and one read per chunk measured faster.
        let by_plane = labels.chunk_shape()[0] == 1
            && one_pass_intensity.is_none_or(|s| s.chunk_shape()[0] == 1);
        // Read once: each slab's pages are let go of once it is scanned.
        let once = !self.needs_object_images();
        let per_label = exec.map_reduce(
            "regionprops",
            grid.num_chunks(),
            |i| {
                let region = grid.chunk_region(&grid.chunk_index(i));
                let mut scan = BlockScan::new(plan, region.len());
                for slab in slabs(&region, by_plane) {
                    let mut read = false;
                    labels.read_view(&slab, &mut |block| {
                        read = true;
                        scan_slab(&mut scan, &block, one_pass_intensity, &slab, setup.channels)
                    })?;
                    if !read {
                        return Err(Error::Failed(format!("no labels read for {slab}")));
                    }
                    if once {
                        labels.release(&slab);
                        if let Some(source) = one_pass_intensity {
                            source.release(&with_channels(&slab, setup.channels));
                        }
                    }
                }
                Ok(scan.finish())
            },
            |a, b| merge(a, b, plan),
        )?;
        let per_label = per_label.unwrap_or_default();
        let pass = ImagePass {
            properties: self
                .properties
                .iter()
                .copied()
                .filter(|p| p.needs_object_image())
                .collect(),
            spacing: &setup.spacing,
            channels: setup.channels,
            budget: self.memory_budget,
        };
        let images = if pass.properties.is_empty() {
            Vec::new()
        } else {
            let objects: Vec<(u64, Region)> = per_label
                .iter()
                .map(|(label, acc)| {
                    let shape = acc.lo.iter().zip(&acc.hi).map(|(l, h)| h + 1 - l);
                    (*label, Region::new(acc.lo.clone(), shape.collect()))
                })
                .collect();
            pass.run(exec, labels, intensity, &objects)?
        };
        Ok(self.table(per_label, &images, plan, &setup.spacing, setup.channels))
    }

    /// Whether the properties need the objects' images, a second pass over
    /// the labels ([`RegionProps::measuring`] refuses them).
    ///
    /// ```
    /// use tesserae::ndmeasure::RegionProps;
    /// assert!(!RegionProps::new().properties(&["label", "area"])?.needs_object_images());
    /// assert!(RegionProps::new().properties(&["perimeter"])?.needs_object_images());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn needs_object_images(&self) -> bool {
        self.properties.iter().any(|p| p.needs_object_image())
    }

    /// Measures a label image of shape `shape` from its blocks, as they are
    /// made (by a labeling writing them, say), without reading the labels
    /// back: [`Measuring::add`] every block once, then
    /// [`Measuring::finish`] gives the table [`RegionProps::run`] gives.
    /// The voxel size is [`RegionProps::spacing`]'s, else 1.
    ///
    /// Fails for properties that need the objects' images
    /// ([`RegionProps::needs_object_images`]) and for the errors `run` gives.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::RegionProps;
    /// use tesserae::{ArraySource, Region};
    /// let intensity = ArraySource::new(array![[1.0f32, 2.0, 6.0], [9.0, 4.0, 9.0]].into_dyn());
    /// let props = RegionProps::new().properties(&["label", "area", "intensity_mean"])?;
    /// let measuring = props.measuring(&[2, 3], Some(&intensity))?;
    /// measuring.add(&Region::new(vec![0, 0], vec![2, 2]), &array![[1u32, 1], [0, 2]].into_dyn().view())?;
    /// measuring.add(&Region::new(vec![0, 2], vec![2, 1]), &array![[1u32], [0]].into_dyn().view())?;
    /// let table = measuring.finish()?;
    /// assert_eq!(table.float("intensity_mean"), Some(&[3.0, 4.0][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn measuring<'a, S: Source + ?Sized>(
        &'a self,
        shape: &[usize],
        intensity: Option<&'a S>,
    ) -> Result<Measuring<'a, S>> {
        if let Some(p) = self.properties.iter().find(|p| p.needs_object_image()) {
            return Err(Error::InvalidArgument(format!(
                "region property '{p}' needs the objects' images: use run"
            )));
        }
        let setup = self.setup(shape, None, intensity)?;
        Ok(Measuring {
            props: self,
            shape: shape.to_vec(),
            intensity: intensity.filter(|_| setup.wants_values()),
            setup,
            partials: Mutex::new(Vec::new()),
        })
    }

    /// Checks the inputs and plans the one-pass scan.
    fn setup<S: Source + ?Sized>(
        &self,
        shape: &[usize],
        voxel_size: Option<VoxelSize>,
        intensity: Option<&S>,
    ) -> Result<Setup> {
        let ndim = shape.len();
        if ndim != 2 && ndim != 3 {
            return Err(Error::InvalidArgument(format!(
                "regionprops needs a 2-D or 3-D label image, not {ndim}-D"
            )));
        }
        let channels = match intensity.map(|s| s.shape()) {
            None => None,
            Some(s) if s == shape => None,
            Some(s) if s.len() == ndim + 1 && s[..ndim] == shape[..] => Some(s[ndim]),
            Some(s) => {
                return Err(Error::ShapeMismatch {
                    expected: shape.to_vec(),
                    found: s.to_vec(),
                });
            }
        };
        let spacing = self.resolve_spacing(ndim, voxel_size)?;
        self.check(ndim, intensity.is_some(), &spacing)?;
        let plan = self.plan(
            ndim,
            channels.map_or(usize::from(intensity.is_some()), |c| c),
        );
        Ok(Setup {
            plan,
            spacing,
            channels,
        })
    }

    fn resolve_spacing(&self, ndim: usize, voxel_size: Option<VoxelSize>) -> Result<Vec<f64>> {
        let spacing = match &self.spacing {
            Some(s) => s.clone(),
            None => voxel_size
                .map(|v| v.size().to_vec())
                .filter(|s| s.len() == ndim)
                .unwrap_or_else(|| vec![1.0; ndim]),
        };
        if spacing.len() != ndim || spacing.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(Error::InvalidArgument(format!(
                "spacing {spacing:?} must hold {ndim} positive numbers"
            )));
        }
        Ok(spacing)
    }

    /// Refuses the properties that cannot be computed for this input.
    fn check(&self, ndim: usize, has_intensity: bool, spacing: &[f64]) -> Result<()> {
        for &p in &self.properties {
            if p.is_object() {
                return Err(Error::InvalidArgument(format!(
                    "region property '{p}' is an array per object, not a table column: \
                     use map_objects"
                )));
            }
            if p.only_2d() && ndim != 2 {
                return Err(Error::InvalidArgument(format!(
                    "region property '{p}' is defined for 2-D images only"
                )));
            }
            if p.needs_intensity() && !has_intensity {
                return Err(Error::InvalidArgument(format!(
                    "region property '{p}' needs an intensity image"
                )));
            }
            if matches!(p, Property::MomentsHu | Property::MomentsWeightedHu)
                && spacing.iter().any(|&s| s != 1.0)
            {
                return Err(Error::InvalidArgument(format!(
                    "region property '{p}' supports a spacing of 1 only (as scikit-image)"
                )));
            }
            if matches!(p, Property::Perimeter | Property::PerimeterCrofton)
                && spacing.windows(2).any(|w| w[0] != w[1])
            {
                return Err(Error::InvalidArgument(format!(
                    "region property '{p}' supports isotropic spacing only (as scikit-image)"
                )));
            }
        }
        Ok(())
    }

    fn plan(&self, ndim: usize, channels: usize) -> Plan {
        use Property::*;
        let wants = |set: &[Property]| self.properties.iter().any(|p| set.contains(p));
        let order = if wants(&[
            Moments,
            MomentsCentral,
            MomentsNormalized,
            MomentsHu,
            InertiaTensor,
            InertiaTensorEigvals,
            AxisMajorLength,
            AxisMinorLength,
            Eccentricity,
            Orientation,
        ]) {
            3
        } else if wants(&[Centroid, CentroidLocal]) {
            1
        } else {
            0
        };
        let weighted_order = if wants(&[
            MomentsWeighted,
            MomentsWeightedCentral,
            MomentsWeightedNormalized,
            MomentsWeightedHu,
        ]) {
            3
        } else if wants(&[CentroidWeighted, CentroidWeightedLocal]) {
            1
        } else {
            0
        };
        Plan {
            ndim,
            order,
            channels,
            stats: Stats {
                mean: wants(&[IntensityMean]),
                extrema: wants(&[IntensityMin, IntensityMax]),
                spread: wants(&[IntensityStd]),
            },
            weighted_order,
            extras: self.extras.clone(),
        }
    }

    fn table(
        &self,
        per_label: Vec<(u64, RegionAcc)>,
        images: &[Vec<f64>],
        plan: &Plan,
        spacing: &[f64],
        channels: Option<usize>,
    ) -> RegionTable {
        let ndim = plan.ndim;
        let mut table = RegionTable::default();
        for &p in &self.properties {
            let names = p.columns(ndim, channels);
            let n = per_label.len();
            for name in names {
                let kind = match p {
                    Property::Label => Column::UInt(Vec::with_capacity(n)),
                    p if p.is_integer() => Column::Int(Vec::with_capacity(n)),
                    _ => Column::Float(Vec::with_capacity(n)),
                };
                table.push(name, kind);
            }
        }
        for e in &self.extras {
            let shape: &[usize] = if e.num_values() == 1 {
                &[]
            } else {
                &[e.num_values()]
            };
            for name in property::column_names(e.name(), shape) {
                table.push(name, Column::Float(Vec::with_capacity(per_label.len())));
            }
        }
        for (index, (label, acc)) in per_label.iter().enumerate() {
            let object = Object::new(acc, plan, spacing, channels);
            let mut image_values = images.get(index).into_iter().flatten().copied();
            let mut column = 0;
            for &p in &self.properties {
                if p == Property::Label {
                    table.append_uint(column, *label);
                    column += 1;
                    continue;
                }
                let values = if p.needs_object_image() {
                    let n = p.columns(ndim, channels).len();
                    image_values.by_ref().take(n).collect()
                } else {
                    object.values(p)
                };
                for v in values {
                    table.append(column, v);
                    column += 1;
                }
            }
            let mut start = 0;
            for e in &self.extras {
                let len = e.state_len();
                let mut values = e.finish(&acc.extra[start..start + len]);
                values.resize(e.num_values(), f64::NAN);
                for v in values {
                    table.append(column, v);
                    column += 1;
                }
                start += len;
            }
        }
        table
    }
}

/// The checked inputs of a table: the scan's plan, the voxel size and the
/// intensity channels (`None`: one, or no intensity image).
struct Setup {
    plan: Plan,
    spacing: Vec<f64>,
    channels: Option<usize>,
}

impl Setup {
    /// Whether the one-pass scan reads intensity values.
    fn wants_values(&self) -> bool {
        let plan = &self.plan;
        plan.stats.any() || plan.weighted_order > 0 || !plan.extras.is_empty()
    }
}

/// Scans one slab of labels starting at `slab`'s origin, with its intensity
/// slab when the scan reads values.
fn scan_slab<L: LabelValue, S: Source + ?Sized>(
    scan: &mut BlockScan<'_>,
    labels: &ArrayViewD<'_, L>,
    intensity: Option<&S>,
    slab: &Region,
    channels: Option<usize>,
) -> Result<()> {
    match intensity {
        Some(source) => source.read_view(&with_channels(slab, channels), &mut |view| {
            let view = view.as_standard_layout();
            scan.add(labels, view.as_slice(), slab.start());
            Ok(())
        }),
        None => {
            scan.add::<L, S::Elem>(labels, None, slab.start());
            Ok(())
        }
    }
}

/// A region-properties table measured from label blocks as they are made
/// (made by [`RegionProps::measuring`]); blocks may be added from several
/// threads at once.
pub struct Measuring<'a, S: Source + ?Sized> {
    props: &'a RegionProps,
    shape: Vec<usize>,
    intensity: Option<&'a S>,
    setup: Setup,
    /// Every block's accumulators, by label, and its number of voxels.
    partials: Mutex<Vec<(Partial<RegionAcc>, usize)>>,
}

impl<S: Source + ?Sized> std::fmt::Debug for Measuring<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Measuring")
            .field("shape", &self.shape)
            .finish_non_exhaustive()
    }
}

impl<S: Source + ?Sized> Measuring<'_, S> {
    /// Measures the labels of `region` (the block's shape). Blocks must not
    /// overlap; together they must cover the image.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::RegionProps;
    /// use tesserae::{ArraySource, Region};
    /// let props = RegionProps::new().properties(&["label", "bbox"])?;
    /// let measuring = props.measuring::<ArraySource<u8>>(&[1, 4], None)?;
    /// measuring.add(&Region::new(vec![0, 2], vec![1, 2]), &array![[0u16, 7]].into_dyn().view())?;
    /// assert!(measuring.add(&Region::new(vec![0, 3], vec![1, 2]), &array![[7u16, 7]].into_dyn().view()).is_err());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn add<L: LabelValue>(&self, region: &Region, labels: &ArrayViewD<'_, L>) -> Result<()> {
        crate::engine::check_region(&self.shape, region)?;
        if labels.shape() != region.shape() {
            return Err(Error::ShapeMismatch {
                expected: region.shape().to_vec(),
                found: labels.shape().to_vec(),
            });
        }
        let mut scan = BlockScan::new(&self.setup.plan, region.len());
        scan_slab(
            &mut scan,
            labels,
            self.intensity,
            region,
            self.setup.channels,
        )?;
        let partial = scan.finish();
        self.partials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((partial, region.len()));
        Ok(())
    }

    /// The table, once every voxel was added.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndmeasure::RegionProps;
    /// use tesserae::{ArraySource, Region};
    /// let props = RegionProps::new().properties(&["label", "area"])?;
    /// let measuring = props.measuring::<ArraySource<u8>>(&[1, 4], None)?;
    /// measuring.add(&Region::new(vec![0, 0], vec![1, 2]), &array![[0u16, 7]].into_dyn().view())?;
    /// measuring.add(&Region::new(vec![0, 2], vec![1, 2]), &array![[7u16, 2]].into_dyn().view())?;
    /// assert_eq!(measuring.finish()?.float("area"), Some(&[1.0, 2.0][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn finish(self) -> Result<RegionTable> {
        let plan = &self.setup.plan;
        let mut partials = self
            .partials
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let voxels: usize = partials.iter().map(|(_, n)| n).sum();
        let expected: usize = self.shape.iter().product();
        if voxels != expected {
            return Err(Error::Failed(format!(
                "the blocks measured hold {voxels} voxels, not the image's {expected}"
            )));
        }
        // Pairwise rounds keep the merging at n log n in the labels.
        while partials.len() > 1 {
            let mut next = Vec::with_capacity(partials.len().div_ceil(2));
            let mut rest = partials.into_iter();
            while let Some((a, n)) = rest.next() {
                next.push(match rest.next() {
                    Some((b, m)) => (merge(a, b, plan), n + m),
                    None => (a, n),
                });
            }
            partials = next;
        }
        let per_label = partials.pop().map(|(p, _)| p).unwrap_or_default();
        let setup = &self.setup;
        Ok(self
            .props
            .table(per_label, &[], plan, &setup.spacing, setup.channels))
    }
}

/// Consecutive slabs of `region` along its first axis, of about
/// [`SLAB_VOXELS`] voxels when `by_plane`, else the whole region.
fn slabs(region: &Region, by_plane: bool) -> impl Iterator<Item = Region> + '_ {
    let (start, end) = (region.start()[0], region.end()[0]);
    let plane = region.len() / (end - start).max(1);
    let step = if by_plane {
        (SLAB_VOXELS / plane.max(1)).max(1)
    } else {
        (end - start).max(1)
    };
    (start..end).step_by(step).map(move |at| {
        let mut first = region.start().to_vec();
        let mut shape = region.shape().to_vec();
        first[0] = at;
        shape[0] = step.min(end - at);
        Region::new(first, shape)
    })
}

/// The intensity image's region of the label region `region`: all channels.
fn with_channels(region: &Region, channels: Option<usize>) -> Region {
    match channels {
        None => region.clone(),
        Some(c) => {
            let mut start = region.start().to_vec();
            let mut shape = region.shape().to_vec();
            start.push(0);
            shape.push(c);
            Region::new(start, shape)
        }
    }
}
