//! The seeded watershed, `skimage.segmentation.watershed`, voxel for voxel.
//!
//! scikit-image floods from the markers through a binary heap ordered by
//! (value, age): a marker enters with its image value and age 0, and a voxel
//! enters when a flooded neighbour reaches it, with the larger of its own
//! value and that neighbour's, and an age that counts every entry so far.
//! Without compactness or watershed lines a voxel takes its label when it
//! enters (from the first of its neighbours to leave the heap); with either,
//! when it leaves. Neighbours are visited in scikit-image's order (the
//! footprint's offsets in C order, stably sorted by length), and the heap
//! sifts as scikit-image's does, so that markers of equal value leave it in
//! the same order: every label, plateaus and ties included, is scikit-image's.
//!
//! The flood is global and sequential: [`Watershed::run`] reads its sources
//! chunk by chunk into one padded buffer (4 or 8 bytes per voxel for the
//! image, 4 for the labels, 1 for the mask), so its result does not depend on
//! the chunking.

use std::collections::{BTreeMap, VecDeque};

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use crate::engine::{
    ArraySink, ArraySource, DataType, Element, Executor, Region, Sink, Source, ViewSource,
    map_blocks, store,
};
use crate::error::{Error, Result};
use crate::ndfilters::Footprint;
use crate::ndmeasure::{Label, LabelValue, Structure};
use crate::ndmorph::LocalExtrema;

/// `skimage.segmentation.watershed(image, markers, connectivity, offset,
/// mask, compactness, watershed_line)`, configured once and run in memory
/// ([`Watershed::apply`]) or from sources into a sink ([`Watershed::run`]).
///
/// ```
/// use ndarray::array;
/// use tesserae::segmentation::Watershed;
///
/// // Two basins separated by a ridge: each marker floods its own side.
/// let image = array![[0u8, 1, 5, 1, 0], [0, 1, 5, 1, 0]].into_dyn();
/// let markers = array![[1u32, 0, 0, 0, 2], [0, 0, 0, 0, 0]].into_dyn();
/// let labels = Watershed::new().apply(&image.view(), Some(&markers.view()), None)?;
/// assert_eq!(labels, array![[1u32, 1, 1, 2, 2], [1, 1, 1, 2, 2]].into_dyn());
///
/// let lined = Watershed::new().watershed_line(true).apply(&image.view(), Some(&markers.view()), None)?;
/// assert_eq!(lined, array![[1u32, 1, 0, 2, 2], [1, 1, 0, 2, 2]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Watershed {
    connectivity: usize,
    footprint: Option<Footprint>,
    compactness: f64,
    watershed_line: bool,
}

impl Default for Watershed {
    fn default() -> Self {
        Watershed::new()
    }
}

impl Watershed {
    /// scikit-image's defaults: connectivity 1, no compactness, no lines.
    pub fn new() -> Self {
        Watershed {
            connectivity: 1,
            footprint: None,
            compactness: 0.0,
            watershed_line: false,
        }
    }

    /// The neighbourhood as `scipy.ndimage.generate_binary_structure(ndim,
    /// connectivity)`: 1 (the default) for face neighbours, `ndim` for the
    /// full box.
    pub fn connectivity(mut self, connectivity: usize) -> Self {
        self.connectivity = connectivity;
        self.footprint = None;
        self
    }

    /// Any neighbourhood, instead of [`Watershed::connectivity`]:
    /// scikit-image's `connectivity` array with its `offset` (the centre)
    /// is `Footprint::new(array)?.with_origin(offset - n / 2)`.
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::ndfilters::Footprint;
    /// use tesserae::segmentation::Watershed;
    ///
    /// // Flooding only along rows: the second row keeps no label.
    /// let row = Footprint::new(array![[true, true, true]].view().into_dyn())?;
    /// let image = ndarray::ArrayD::<f32>::zeros(vec![2, 3]);
    /// let markers = array![[0u16, 7, 0], [0, 0, 0]].into_dyn();
    /// let labels = Watershed::new().footprint(row).apply(&image.view(), Some(&markers.view()), None)?;
    /// assert_eq!(labels, array![[7u16, 7, 7], [0, 0, 0]].into_dyn());
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn footprint(mut self, footprint: Footprint) -> Self {
        self.footprint = Some(footprint);
        self
    }

    /// Compact watershed (Neubert & Protzel): a voxel's priority grows by
    /// `compactness` times its Euclidean distance to the marker flooding it.
    /// 0 (the default) is the classic watershed; scikit-image ignores
    /// [`Watershed::watershed_line`] when it is positive, and so does this.
    pub fn compactness(mut self, compactness: f64) -> Self {
        self.compactness = compactness;
        self
    }

    /// Leaves a line of label 0 between basins (default `false`).
    pub fn watershed_line(mut self, on: bool) -> Self {
        self.watershed_line = on;
        self
    }

    /// The watershed of an in-memory image from markers (0: no marker; the
    /// labels keep the markers' values and type), within `mask` where given.
    /// Without markers, as scikit-image, the markers are the local minima of
    /// the image (within the mask) labeled with the watershed's connectivity.
    ///
    /// Fails when the shapes differ, a marker is negative, the image holds
    /// NaN, the compactness is negative or not finite, the neighbourhood
    /// has another rank than the image, or markers are left out with a
    /// [`Watershed::footprint`] (scikit-image needs a connectivity then).
    ///
    /// ```
    /// use ndarray::array;
    /// use tesserae::segmentation::Watershed;
    ///
    /// // The two minima become markers 1 and 2.
    /// let image = array![1u8, 0, 1, 3, 2, 1, 2].into_dyn();
    /// let labels = Watershed::new().apply::<u8, u32>(&image.view(), None, None)?;
    /// assert_eq!(labels.as_slice(), Some(&[1u32, 1, 1, 1, 2, 2, 2][..]));
    /// # Ok::<(), tesserae::Error>(())
    /// ```
    pub fn apply<T: Element, L: LabelValue>(
        &self,
        image: &ArrayViewD<'_, T>,
        markers: Option<&ArrayViewD<'_, L>>,
        mask: Option<&ArrayViewD<'_, bool>>,
    ) -> Result<ArrayD<L>> {
        let shape = image.shape().to_vec();
        let image = ViewSource::new(image.view(), &shape)?;
        let markers = match markers {
            Some(m) => Some(ViewSource::new(m.view(), m.shape())?),
            None => None,
        };
        let markers = markers.as_ref().map(|m| m as &dyn Source<Elem = L>);
        let mask = mask.map(|m| m.mapv(u8::from));
        let mask = match &mask {
            Some(m) => Some(ViewSource::new(m.view(), m.shape())?),
            None => None,
        };
        let mask = mask.as_ref().map(|m| m as &dyn Source<Elem = u8>);
        Ok(self
            .flood(&Executor::new(), &image, markers, mask, true)?
            .labels())
    }

    /// The watershed of `image` from `markers` (or the local minima, as
    /// [`Watershed::apply`]; within the nonzero voxels of `mask`), written to
    /// `sink` and committed. The sources are read chunk by chunk into one
    /// buffer of the whole volume; the result does not depend on any chunking.
    pub fn run<T: Element, L: LabelValue>(
        &self,
        exec: &Executor,
        image: &dyn Source<Elem = T>,
        markers: Option<&dyn Source<Elem = L>>,
        mask: Option<&dyn Source<Elem = u8>>,
        sink: &mut dyn Sink<Elem = L>,
    ) -> Result<()> {
        let labels = self.flood(exec, image, markers, mask, true)?.labels();
        let labels = ArraySource::new(labels).with_chunks(sink.chunk_shape())?;
        store(exec, &labels, sink)
    }

    /// The markers scikit-image uses when none are given: the local minima
    /// of `image` (connectivity as the watershed's) within `mask`, labeled.
    fn minima_markers<T: Element, L: LabelValue>(
        &self,
        exec: &Executor,
        image: &dyn Source<Elem = T>,
        mask: Option<&dyn Source<Elem = u8>>,
    ) -> Result<ArraySource<L>> {
        if self.footprint.is_some() {
            return Err(Error::InvalidArgument(
                "the watershed finds its own markers only with a connectivity, \
                not a footprint: pass markers"
                    .into(),
            ));
        }
        let structure = Structure::connectivity(image.ndim(), self.connectivity)?;
        let minima = LocalExtrema::minima()
            .connectivity(self.connectivity)
            .lazy(exec, image)?;
        let masked = map_blocks(&minima, None, |block, region| match mask {
            Some(m) => {
                let inside = m.read(region)?;
                Ok(ndarray::Zip::from(&block)
                    .and(&inside)
                    .map_collect(|&b, &i| b * u8::from(i != 0)))
            }
            None => Ok(block.to_owned()),
        })?;
        let mut markers = ArraySink::<L>::new(image.shape());
        Label::with_structure(structure).run(exec, &masked, &mut markers)?;
        ArraySource::new(markers.into_array()).with_chunks(image.chunk_shape())
    }

    /// Checks the parameters and the inputs, then floods (dropping the
    /// entries that cannot change a label when `prune`).
    fn flood<T: Element, L: LabelValue>(
        &self,
        exec: &Executor,
        image: &dyn Source<Elem = T>,
        markers: Option<&dyn Source<Elem = L>>,
        mask: Option<&dyn Source<Elem = u8>>,
        prune: bool,
    ) -> Result<Flooded<L>> {
        let shape = image.shape().to_vec();
        for other in [markers.map(|m| m.shape()), mask.map(|m| m.shape())]
            .into_iter()
            .flatten()
        {
            if other != shape.as_slice() {
                return Err(Error::ShapeMismatch {
                    expected: shape.clone(),
                    found: other.to_vec(),
                });
            }
        }
        if !(self.compactness >= 0.0 && self.compactness.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "compactness must be a finite number >= 0, not {}",
                self.compactness
            )));
        }
        let found;
        let markers = match markers {
            Some(m) => m,
            None => {
                found = self.minima_markers::<T, L>(exec, image, mask)?;
                &found
            }
        };
        let neighbours = self.neighbours(shape.len())?;
        let layout = Layout::new(&shape, &neighbours)?;
        let (labels, table) = read_markers(&layout, markers, mask)?;
        let params = Params {
            neighbours: neighbours.iter().map(|o| layout.raveled(o)).collect(),
            compactness: self.compactness,
            line: self.watershed_line,
            prune,
        };
        let exact_in_f32 = matches!(
            T::DTYPE,
            DataType::U8 | DataType::I8 | DataType::U16 | DataType::I16 | DataType::F32
        );
        let labels = if exact_in_f32 {
            let levels = read_image::<T, f32>(&layout, image)?;
            Flood::new(&layout, &levels, labels.0, labels.1, params).run()
        } else {
            let levels = read_image::<T, f64>(&layout, image)?;
            Flood::new(&layout, &levels, labels.0, labels.1, params).run()
        };
        Ok(Flooded {
            layout,
            labels,
            table,
        })
    }

    /// The neighbour offsets in scikit-image's order: the footprint's offsets
    /// in C order, stably sorted by length, the first (the centre) left out.
    fn neighbours(&self, ndim: usize) -> Result<Vec<Vec<isize>>> {
        if ndim == 0 {
            return Err(Error::InvalidArgument(
                "the watershed needs an image with at least one axis".into(),
            ));
        }
        let footprint = match &self.footprint {
            Some(f) if f.ndim() != ndim => {
                return Err(Error::InvalidArgument(format!(
                    "the footprint has {} axes but the image has {ndim}",
                    f.ndim()
                )));
            }
            Some(f) => f.clone(),
            None => Footprint::from_structure(&Structure::connectivity(ndim, self.connectivity)?),
        };
        Ok(footprint.neighbour_order())
    }
}

/// `skimage.segmentation.watershed(image, markers)` with the defaults
/// (connectivity 1, no mask, no compactness, no lines).
///
/// ```
/// use ndarray::array;
/// // A plateau between two markers is split half and half.
/// let image = array![0.0, 0.0, 0.0, 0.0, 0.0, 0.0].into_dyn();
/// let markers = array![1u8, 0, 0, 0, 0, 2].into_dyn();
/// let labels = tesserae::segmentation::watershed(&image.view(), &markers.view())?;
/// assert_eq!(labels.as_slice(), Some(&[1u8, 1, 1, 2, 2, 2][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn watershed<T: Element, L: LabelValue>(
    image: &ArrayViewD<'_, T>,
    markers: &ArrayViewD<'_, L>,
) -> Result<ArrayD<L>> {
    Watershed::new().apply(image, Some(markers), None)
}

/// The volume padded on every side by the neighbourhood's reach, so that no
/// neighbour of an image voxel falls outside the buffer (the padding is out
/// of the mask), in C order.
#[derive(Debug)]
struct Layout {
    shape: Vec<usize>,
    low: Vec<usize>,
    strides: Vec<usize>,
    len: usize,
}

impl Layout {
    fn new(shape: &[usize], neighbours: &[Vec<isize>]) -> Result<Self> {
        let ndim = shape.len();
        let reach = |axis: usize, sign: isize| {
            neighbours
                .iter()
                .map(|o| (o[axis] * sign).max(0) as usize)
                .max()
                .unwrap_or(0)
        };
        let low: Vec<usize> = (0..ndim).map(|k| reach(k, -1)).collect();
        let padded: Option<Vec<usize>> = (0..ndim)
            .map(|k| shape[k].checked_add(low[k] + reach(k, 1)))
            .collect();
        let too_large =
            || Error::InvalidArgument(format!("an image of shape {shape:?} is too large to flood"));
        let padded = padded.ok_or_else(too_large)?;
        let mut strides = vec![1usize; ndim];
        for k in (0..ndim.saturating_sub(1)).rev() {
            strides[k] = strides[k + 1]
                .checked_mul(padded[k + 1])
                .ok_or_else(too_large)?;
        }
        let len = strides[0].checked_mul(padded[0]).ok_or_else(too_large)?;
        if len > isize::MAX as usize / 16 {
            return Err(too_large());
        }
        Ok(Layout {
            shape: shape.to_vec(),
            low,
            strides,
            len,
        })
    }

    /// The buffer offset of a neighbour offset.
    fn raveled(&self, offset: &[isize]) -> isize {
        offset
            .iter()
            .zip(&self.strides)
            .map(|(&o, &s)| o * s as isize)
            .sum()
    }

    /// Calls `row(first, n, outer)` for every row of `region` (along the
    /// last axis) in C order: its first voxel's buffer index, its length and
    /// its index among the region's rows.
    fn rows(&self, region: &Region, mut row: impl FnMut(usize, usize, usize)) {
        let ndim = self.shape.len();
        let inner = region.shape()[ndim - 1];
        let outer: usize = region.shape()[..ndim - 1].iter().product();
        let mut at = vec![0usize; ndim - 1];
        for r in 0..outer {
            let mut first =
                (region.start()[ndim - 1] + self.low[ndim - 1]) * self.strides[ndim - 1];
            for (k, &a) in at.iter().enumerate() {
                first += (region.start()[k] + a + self.low[k]) * self.strides[k];
            }
            row(first, inner, r);
            for k in (0..ndim - 1).rev() {
                at[k] += 1;
                if at[k] < region.shape()[k] {
                    break;
                }
                at[k] = 0;
            }
        }
    }

    /// The Euclidean distance between two voxels, as scikit-image computes it.
    fn distance(&self, mut a: usize, mut b: usize) -> f64 {
        let mut sum = 0.0;
        for &s in &self.strides {
            let d = (a / s) as f64 - (b / s) as f64;
            sum += d * d;
            a %= s;
            b %= s;
        }
        sum.sqrt()
    }
}

/// Reads every chunk of `source` and calls `row(first, values)` for each of
/// its rows: the buffer index of the row's first voxel and the row's values.
fn read_rows<S: Element>(
    layout: &Layout,
    source: &dyn Source<Elem = S>,
    mut row: impl FnMut(usize, &[S]) -> Result<()>,
) -> Result<()> {
    let grid = source.grid();
    for index in grid.indices() {
        let region = grid.chunk_region(&index);
        let data = source.read(&region)?;
        if data.shape() != region.shape() {
            return Err(Error::ShapeMismatch {
                expected: region.shape().to_vec(),
                found: data.shape().to_vec(),
            });
        }
        let data = data.as_standard_layout();
        let values = data.as_slice().unwrap_or_default();
        let mut result = Ok(());
        layout.rows(&region, |first, n, r| {
            if result.is_ok() {
                result = row(first, &values[r * n..(r + 1) * n]);
            }
        });
        result?;
    }
    Ok(())
}

/// The values a flood compares, kept as `f32` where that is exact.
trait Level: Copy + Default + Send + Sync + 'static {
    fn from_f64(v: f64) -> Self;
    fn get(self) -> f64;
}

impl Level for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn get(self) -> f64 {
        f64::from(self)
    }
}

impl Level for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn get(self) -> f64 {
        self
    }
}

/// The image in the padded layout; NaN is refused.
fn read_image<T: Element, V: Level>(
    layout: &Layout,
    image: &dyn Source<Elem = T>,
) -> Result<Vec<V>> {
    let mut levels = vec![V::default(); layout.len];
    read_rows(layout, image, |first, values| {
        for (slot, &v) in levels[first..].iter_mut().zip(values) {
            let v = v.as_f64();
            if v.is_nan() {
                return Err(Error::InvalidArgument(
                    "the watershed image holds NaN; replace it first".into(),
                ));
            }
            *slot = V::from_f64(v);
        }
        Ok(())
    })?;
    Ok(levels)
}

/// The markers in the padded layout, as indices (from 1) into the table of
/// their distinct values, and the mask (1 inside the image and the mask).
type Markers<L> = ((Vec<u32>, Vec<u8>), Vec<L>);

fn read_markers<L: LabelValue>(
    layout: &Layout,
    markers: &dyn Source<Elem = L>,
    mask: Option<&dyn Source<Elem = u8>>,
) -> Result<Markers<L>> {
    let mut inside = vec![0u8; layout.len];
    match mask {
        Some(m) => read_rows(layout, m, |first, values| {
            for (slot, &v) in inside[first..].iter_mut().zip(values) {
                *slot = u8::from(v != 0);
            }
            Ok(())
        })?,
        None => layout.rows(&Region::full(&layout.shape), |first, n, _| {
            inside[first..first + n].fill(1)
        }),
    }
    // The marker voxels inside the mask, kept sparse: markers are usually
    // far fewer than voxels.
    let mut found: Vec<(usize, u64)> = Vec::new();
    read_rows(layout, markers, |first, values| {
        for (i, &v) in values.iter().enumerate() {
            if v == L::zero() {
                continue;
            }
            let label = v.to_label().ok_or_else(|| {
                Error::InvalidArgument(format!("markers must not be negative, found {v}"))
            })?;
            if inside[first + i] != 0 {
                found.push((first + i, label));
            }
        }
        Ok(())
    })?;
    let mut table: Vec<u64> = found.iter().map(|&(_, v)| v).collect();
    table.sort_unstable();
    table.dedup();
    if table.len() >= u32::MAX as usize {
        return Err(Error::InvalidArgument(format!(
            "{} distinct markers are more than the watershed can hold",
            table.len()
        )));
    }
    let mut labels = vec![0u32; layout.len];
    for (at, v) in found {
        labels[at] = table.binary_search(&v).map_or(0, |i| i as u32 + 1);
    }
    let table = table
        .into_iter()
        .map(|v| {
            num_traits::cast::<u64, L>(v)
                .ok_or_else(|| Error::Failed(format!("marker {v} does not fit its type")))
        })
        .collect::<Result<Vec<L>>>()?;
    Ok(((labels, inside), table))
}

/// The flood's settings in buffer terms.
struct Params {
    neighbours: Vec<isize>,
    compactness: f64,
    line: bool,
    /// Whether entries that cannot change any label are dropped once every
    /// marker has left the heap (see [`Flood::run`]).
    prune: bool,
}

/// A heap entry: scikit-image's `Heapitem`.
#[derive(Clone, Copy, Debug)]
struct Item {
    value: f64,
    age: u64,
    index: usize,
    source: usize,
}

impl Item {
    fn before(&self, other: &Item) -> bool {
        if self.value != other.value {
            self.value < other.value
        } else {
            self.age < other.age
        }
    }
}

/// A binary min-heap that sifts exactly as scikit-image's: entries of equal
/// priority leave it in the same order.
#[derive(Default)]
struct Heap {
    items: Vec<Item>,
}

impl Heap {
    fn push(&mut self, item: Item) {
        self.items.push(item);
        let mut child = self.items.len() - 1;
        while child > 0 {
            let parent = (child - 1) / 2;
            if self.items[child].before(&self.items[parent]) {
                self.items.swap(child, parent);
                child = parent;
            } else {
                break;
            }
        }
    }

    fn pop(&mut self) -> Option<Item> {
        let last = self.items.pop()?;
        if self.items.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.items[0], last);
        let n = self.items.len();
        let mut i = 0;
        loop {
            let (left, right) = (2 * i + 1, 2 * i + 2);
            if left >= n {
                break;
            }
            let mut smallest = i;
            if self.items[left].before(&self.items[i]) {
                smallest = left;
            }
            if right < n && self.items[right].before(&self.items[smallest]) {
                smallest = right;
            }
            if smallest == i {
                break;
            }
            self.items.swap(i, smallest);
            i = smallest;
        }
        Some(top)
    }
}

/// The values that more than one marker holds (sorted), and how many
/// markers hold them: the entries whose order only scikit-image's heap
/// decides. NaN was refused before.
fn tied(mut values: Vec<f64>) -> (Vec<f64>, usize) {
    values.sort_unstable_by(f64::total_cmp);
    let mut shared = Vec::new();
    let mut count = 0;
    let mut start = 0;
    for i in 1..=values.len() {
        if i == values.len() || values[i] != values[start] {
            if i - start > 1 {
                shared.push(values[start]);
                count += i - start;
            }
            start = i;
        }
    }
    (shared, count)
}

/// The flood's priority queue: scikit-image's binary heap while markers of
/// equal value (whose order depends on its sifting) remain in it, then a
/// [`LevelQueue`]. Every other entry has a distinct age, so any exact
/// priority queue pops them in the same order; the level queue does so
/// without sifting, since entries never enter below the last one popped.
struct Queue {
    heap: Heap,
    levels: Option<LevelQueue>,
    shared: Vec<f64>,
    tied_left: usize,
}

impl Queue {
    fn new(heap: Heap, (shared, tied_left): (Vec<f64>, usize)) -> Self {
        let mut queue = Queue {
            heap,
            levels: None,
            shared,
            tied_left,
        };
        queue.switch_when_untied();
        queue
    }

    fn len(&self) -> usize {
        self.levels
            .as_ref()
            .map_or(self.heap.items.len(), |r| r.len)
    }

    fn switch_when_untied(&mut self) {
        if self.tied_left == 0 && self.levels.is_none() {
            let mut items = std::mem::take(&mut self.heap.items);
            items.sort_unstable_by(|a, b| a.value.total_cmp(&b.value).then(a.age.cmp(&b.age)));
            let mut levels = LevelQueue::default();
            for item in items {
                levels.push(item);
            }
            self.levels = Some(levels);
        }
    }

    fn push(&mut self, item: Item) {
        match &mut self.levels {
            Some(levels) => levels.push(item),
            None => self.heap.push(item),
        }
    }

    fn pop(&mut self) -> Option<Item> {
        if let Some(levels) = &mut self.levels {
            return levels.pop();
        }
        let item = self.heap.pop()?;
        if item.age == 0
            && self
                .shared
                .binary_search_by(|v| v.total_cmp(&(item.value + 0.0)))
                .is_ok()
        {
            self.tied_left -= 1;
            self.switch_when_untied();
        }
        Some(item)
    }
}

/// The value's bits mapped so that integer order is numeric order (-0 taken
/// as +0, which compares equal).
fn ordered(value: f64) -> u64 {
    let bits = (value + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The value of [`ordered`] bits.
fn value_of(ordered: u64) -> f64 {
    f64::from_bits(if ordered >> 63 == 1 {
        ordered & !(1 << 63)
    } else {
        !ordered
    })
}

/// An entry of a [`LevelQueue`]; its value is its level's.
#[derive(Clone, Copy)]
struct Entry {
    age: u64,
    index: usize,
    source: usize,
}

/// A monotone priority queue (no entry enters below the last one popped)
/// of entries whose ages grow with every push: a first-in first-out queue
/// per value is then in age order. The queue of the level being flooded is
/// kept apart (the flood pushes to it most often: plateaus, and descents
/// that keep the level), the higher levels in an ordered map.
#[derive(Default)]
struct LevelQueue {
    level: u64,
    current: VecDeque<Entry>,
    higher: BTreeMap<u64, VecDeque<Entry>>,
    len: usize,
}

impl LevelQueue {
    fn push(&mut self, item: Item) {
        self.len += 1;
        let level = ordered(item.value);
        let entry = Entry {
            age: item.age,
            index: item.index,
            source: item.source,
        };
        if level == self.level {
            self.current.push_back(entry);
        } else {
            self.higher.entry(level).or_default().push_back(entry);
        }
    }

    fn pop(&mut self) -> Option<Item> {
        if self.current.is_empty() {
            let (level, queue) = self.higher.pop_first()?;
            self.level = level;
            self.current = queue;
        }
        let entry = self.current.pop_front()?;
        self.len -= 1;
        Some(Item {
            value: value_of(self.level),
            age: entry.age,
            index: entry.index,
            source: entry.source,
        })
    }
}

/// One flood over the padded buffers.
struct Flood<'a, V> {
    layout: &'a Layout,
    levels: &'a [V],
    labels: Vec<u32>,
    inside: Vec<u8>,
    params: Params,
}

impl<'a, V: Level> Flood<'a, V> {
    fn new(
        layout: &'a Layout,
        levels: &'a [V],
        labels: Vec<u32>,
        inside: Vec<u8>,
        params: Params,
    ) -> Self {
        Flood {
            layout,
            levels,
            labels,
            inside,
            params,
        }
    }

    /// Floods and returns the labels (table indices) in the padded layout.
    ///
    /// With watershed lines, scikit-image lets a voxel that became part of a
    /// line push its unlabeled neighbours again each time one of its
    /// duplicate entries leaves the heap, which can multiply entries without
    /// bound (exponential time along lines, with connectivity above 1). Such
    /// a later entry, and everything it pushes, leaves the heap after the
    /// entries its first exit pushed for the same voxels, with the same or a
    /// larger set of voxels still unlabeled then; so it never decides a
    /// voxel's label. It still shapes the heap, which decides the order of
    /// markers of equal value, so these entries are dropped only once every
    /// marker has left the heap (from then on every entry's age is distinct
    /// and the order is the priorities').
    fn run(mut self) -> Vec<u32> {
        let mut heap = Heap::default();
        let mut values = Vec::new();
        for (index, _) in self.labels.iter().enumerate().filter(|&(_, &l)| l != 0) {
            let value = self.levels[index].get();
            values.push(value + 0.0);
            heap.push(Item {
                value,
                age: 0,
                index,
                source: index,
            });
        }
        let mut heap = Queue::new(heap, tied(values));
        let mut markers_left = heap.len();
        let compact = self.params.compactness > 0.0;
        let line = self.params.line;
        let mut age = 1u64;
        while let Some(item) = heap.pop() {
            if item.age == 0 {
                markers_left -= 1;
            } else if self.params.prune && markers_left == 0 && self.inside[item.index] == 0 {
                continue;
            }
            if compact || line {
                if self.labels[item.index] != 0 && item.index != item.source {
                    continue;
                }
                let label = self.labels[item.source];
                if compact || !self.borders_another(item.index, label) {
                    self.labels[item.index] = label;
                }
            }
            for k in 0..self.params.neighbours.len() {
                let at = item.index.wrapping_add_signed(self.params.neighbours[k]);
                if self.inside[at] == 0 || self.labels[at] != 0 {
                    continue;
                }
                age += 1;
                let mut value = self.levels[at].get();
                if compact {
                    value += self.params.compactness * self.layout.distance(at, item.source);
                } else if !line {
                    self.labels[at] = self.labels[item.index];
                }
                if value < item.value {
                    value = item.value;
                }
                heap.push(Item {
                    value,
                    age,
                    index: at,
                    source: item.source,
                });
            }
        }
        self.labels
    }

    /// Whether a neighbour in the mask holds a label other than `label`; if
    /// so the voxel becomes part of a watershed line (leaves the mask).
    fn borders_another(&mut self, index: usize, label: u32) -> bool {
        if self.inside[index] == 0 {
            return true;
        }
        for &d in &self.params.neighbours {
            let at = index.wrapping_add_signed(d);
            if self.inside[at] != 0 && self.labels[at] != 0 && self.labels[at] != label {
                self.inside[index] = 0;
                return true;
            }
        }
        false
    }
}

/// A finished flood: labels as table indices in the padded layout.
struct Flooded<L> {
    layout: Layout,
    labels: Vec<u32>,
    table: Vec<L>,
}

impl<L: LabelValue> Flooded<L> {
    /// The labels over the image, with the markers' values.
    fn labels(&self) -> ArrayD<L> {
        let mut out = Vec::with_capacity(self.layout.shape.iter().product());
        self.layout
            .rows(&Region::full(&self.layout.shape), |first, n, _| {
                out.extend(self.labels[first..first + n].iter().map(|&l| match l {
                    0 => L::zero(),
                    l => self.table[l as usize - 1],
                }));
            });
        ArrayD::from_shape_vec(IxDyn(&self.layout.shape), out)
            .unwrap_or_else(|_| unreachable!("the rows cover the shape"))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{ArrayD, IxDyn};
    use proptest::prelude::*;

    use super::Watershed;
    use crate::engine::{Executor, Source, ViewSource};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Dropping the entries that cannot change a label changes no label.
        #[test]
        fn pruned_lines_equal_the_full_flood(
            shape in prop_oneof![
                proptest::collection::vec(2usize..12, 2),
                proptest::collection::vec(2usize..7, 3)
            ],
            values in proptest::collection::vec(0u8..4, 343),
            seeds in proptest::collection::vec(0u32..40, 343),
            connectivity in 1usize..4,
        ) {
            let n: usize = shape.iter().product();
            let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
            let markers = seeds[..n].iter().map(|&s| if s < 6 { s } else { 0 }).collect();
            let markers = ArrayD::from_shape_vec(IxDyn(&shape), markers).unwrap();
            let op = Watershed::new().connectivity(connectivity).watershed_line(true);
            let image = ViewSource::new(image.view(), &shape).unwrap();
            let markers = ViewSource::new(markers.view(), &shape).unwrap();
            let full = op.flood(&Executor::new(), &image, Some(&markers), None::<&dyn Source<Elem = u8>>, false).unwrap();
            let pruned = op.flood(&Executor::new(), &image, Some(&markers), None::<&dyn Source<Elem = u8>>, true).unwrap();
            prop_assert_eq!(full.labels(), pruned.labels());
        }
    }
}
