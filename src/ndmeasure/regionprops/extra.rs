//! User-defined one-pass region properties: [`RegionAccumulator`].

/// A user-defined region property accumulated in the same single pass as the
/// built-in ones, merged across chunks.
///
/// The state of one object is a fixed-length slice of `f64`, initialised by
/// [`RegionAccumulator::init`], fed run by run (a run is a stretch of voxels of
/// the object along the last axis) and merged with the state of a disjoint
/// part of the same object; [`RegionAccumulator::finish`] turns it into the
/// property's columns. `merge` must be associative.
///
/// ```
/// use ndarray::array;
/// use std::sync::Arc;
/// use tesserae::ndmeasure::{RegionAccumulator, RegionProps};
/// use tesserae::{ArraySource, Executor};
///
/// /// The largest coordinate along the last axis.
/// struct LastMax;
/// impl RegionAccumulator for LastMax {
///     fn name(&self) -> &str { "last_max" }
///     fn state_len(&self) -> usize { 1 }
///     fn init(&self, state: &mut [f64]) { state[0] = f64::NEG_INFINITY; }
///     fn add_run(&self, state: &mut [f64], start: &[usize], len: usize, _: &[f64], _: usize) {
///         state[0] = state[0].max((start[start.len() - 1] + len - 1) as f64);
///     }
///     fn merge(&self, state: &mut [f64], other: &[f64]) { state[0] = state[0].max(other[0]); }
///     fn finish(&self, state: &[f64]) -> Vec<f64> { state.to_vec() }
/// }
///
/// let labels = ArraySource::new(array![[1u8, 1, 0], [2, 2, 2]].into_dyn()).with_chunks(&[1, 2])?;
/// let table = RegionProps::new()
///     .properties(&["label"])?
///     .extra(Arc::new(LastMax))
///     .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)?;
/// assert_eq!(table.float("last_max"), Some(&[1.0, 2.0][..]));
/// # Ok::<(), tesserae::Error>(())
/// ```
pub trait RegionAccumulator: Send + Sync {
    /// The column name (suffixed `-i` when the property has several columns).
    fn name(&self) -> &str;

    /// Number of values [`RegionAccumulator::finish`] returns (default 1).
    fn num_values(&self) -> usize {
        1
    }

    /// Number of `f64` in the state of one object.
    fn state_len(&self) -> usize;

    /// Sets the state of an object with no voxels yet.
    fn init(&self, state: &mut [f64]);

    /// Adds the `len` voxels from `start` (full-array coordinates) along the
    /// last axis; `values` holds their intensities (`len * channels` values,
    /// channels interleaved), empty without an intensity image.
    fn add_run(
        &self,
        state: &mut [f64],
        start: &[usize],
        len: usize,
        values: &[f64],
        channels: usize,
    );

    /// Folds the state of a disjoint part of the same object into `state`.
    fn merge(&self, state: &mut [f64], other: &[f64]);

    /// The property's [`RegionAccumulator::num_values`] values for an object.
    fn finish(&self, state: &[f64]) -> Vec<f64>;
}
