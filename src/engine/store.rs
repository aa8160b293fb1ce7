//! [`store`]: computing or copying a source into a sink in parallel with
//! bounded memory, and [`rechunk`]: the same data with another native chunking.

use ndarray::{ArrayD, ArrayViewD};

use crate::engine::{ChunkGrid, Element, Executor, Region, Sink, Source, VoxelSize, check_chunks};
use crate::error::{Error, Result};

/// Upper bound on the bytes of input one [`store`] work unit reads (64 MiB),
/// unless a single sink chunk is larger.
pub const UNIT_BUDGET: usize = 64 << 20;

/// Writes every voxel of `source` to `sink`, then commits the sink.
///
/// The work units are groups of whole sink chunks (see [`unit_shape`]), handed
/// out in C order to at most [`Executor::num_threads`] workers, so at most that
/// many units are in memory and streaming sinks receive their data nearly in
/// order. Each unit reads its region from the source once and writes its sink
/// chunks. On the first error the work stops, the error is returned and the
/// sink is not committed.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::engine::store;
/// use tesserae::{ArraySink, ArraySource, Executor};
///
/// let a = ArrayD::from_shape_fn(vec![6, 5], |i| (i[0] * 5 + i[1]) as u16);
/// let source = ArraySource::new(a.clone()).with_chunks(&[4, 2])?;
/// let mut sink = ArraySink::new(&[6, 5]).with_chunks(&[3, 3])?;
/// store(&Executor::new(), &source, &mut sink)?;
/// assert_eq!(sink.into_array(), a);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn store<T: Element>(
    exec: &Executor,
    source: &dyn Source<Elem = T>,
    sink: &mut dyn Sink<Elem = T>,
) -> Result<()> {
    if source.shape() != sink.shape() {
        return Err(Error::ShapeMismatch {
            expected: sink.shape().to_vec(),
            found: source.shape().to_vec(),
        });
    }
    let sink_grid = ChunkGrid::new(sink.shape(), sink.chunk_shape())?;
    let unit = unit_shape(
        sink_grid.chunk_shape(),
        source.chunk_shape(),
        T::DTYPE.size(),
        UNIT_BUDGET,
    );
    let units = ChunkGrid::new(sink.shape(), &unit)?;
    let target: &dyn Sink<Elem = T> = sink;
    exec.for_each("store", units.num_chunks(), |i| {
        let region = units.chunk_region(&units.chunk_index(i));
        source.read_view(&region, &mut |data| {
            if data.shape() != region.shape() {
                return Err(Error::ShapeMismatch {
                    expected: region.shape().to_vec(),
                    found: data.shape().to_vec(),
                });
            }
            for index in sink_grid.chunks_overlapping(&region) {
                let chunk = sink_grid.chunk_region(&index);
                target.write(&chunk, chunk.relative_to(&region).view(&data))?;
            }
            Ok(())
        })
    })?;
    sink.commit()
}

/// The shape of a [`store`] work unit: whole sink chunks grouped so that a unit
/// spans whole source chunks where those are bigger than a sink chunk, shrunk
/// (halving the outermost grown axis first, so rows stay whole) until it reads
/// at most `budget` bytes.
///
/// Along every axis the unit extent is a multiple of the sink chunk extent: the
/// smallest one covering a source chunk. So a source decoded by whole pages
/// (`[1, 1024, 1024]`) stored into `[64, 64, 64]` chunks is read as slabs of 64
/// pages, each page decoded once, not once per output chunk.
///
/// ```
/// use tesserae::engine::unit_shape;
/// let budget = 64 << 20;
/// assert_eq!(unit_shape(&[64, 64, 64], &[1, 1024, 1024], 1, budget), vec![64, 1024, 1024]);
/// assert_eq!(unit_shape(&[64, 64, 64], &[1, 1024, 1024], 2, budget), vec![64, 512, 1024]);
/// assert_eq!(unit_shape(&[64, 64, 64], &[32, 32, 32], 1, budget), vec![64, 64, 64]);
/// ```
pub fn unit_shape(
    sink_chunks: &[usize],
    source_chunks: &[usize],
    elem_size: usize,
    budget: usize,
) -> Vec<usize> {
    let mut unit: Vec<usize> = sink_chunks
        .iter()
        .zip(source_chunks)
        .map(|(&c, &s)| c * s.div_ceil(c.max(1)).max(1))
        .collect();
    loop {
        let bytes = unit.iter().product::<usize>().saturating_mul(elem_size);
        if bytes <= budget {
            return unit;
        }
        match (0..unit.len()).find(|&k| unit[k] > sink_chunks[k]) {
            Some(k) => {
                let groups = unit[k] / sink_chunks[k];
                unit[k] = sink_chunks[k] * groups.div_ceil(2);
            }
            None => return unit,
        }
    }
}

/// A source with another native chunking: reads are forwarded, only
/// [`Source::chunk_shape`] changes. Stored with [`store`], it rechunks on disk;
/// under a lazy operation, it sets the operation's default chunks.
#[derive(Clone, Debug)]
pub struct Rechunked<S> {
    source: S,
    chunks: Vec<usize>,
}

/// `source` with native chunks `chunks` (clipped to the array).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::engine::rechunk;
/// use tesserae::{ArraySource, Source};
/// let source = ArraySource::new(ArrayD::<u8>::zeros(vec![100, 100]));
/// let r = rechunk(source, &[30, 200])?;
/// assert_eq!(r.chunk_shape(), &[30, 100]);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn rechunk<S: Source>(source: S, chunks: &[usize]) -> Result<Rechunked<S>> {
    let chunks = check_chunks(source.shape(), chunks)?;
    Ok(Rechunked { source, chunks })
}

impl<S: Source> Source for Rechunked<S> {
    type Elem = S::Elem;

    fn shape(&self) -> &[usize] {
        self.source.shape()
    }

    fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }

    fn read(&self, region: &Region) -> Result<ArrayD<S::Elem>> {
        self.source.read(region)
    }

    fn read_view(
        &self,
        region: &Region,
        f: &mut dyn FnMut(ArrayViewD<'_, S::Elem>) -> Result<()>,
    ) -> Result<()> {
        self.source.read_view(region, f)
    }

    fn voxel_size(&self) -> Option<VoxelSize> {
        self.source.voxel_size()
    }
}
