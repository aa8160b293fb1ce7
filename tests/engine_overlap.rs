//! `map_overlap` and `map_blocks`: chunked results equal the whole-array
//! result with an independently written scipy padding; hand-checked scipy
//! values; chunk culling and input reads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::{ArrayD, ArrayViewD, IxDyn};
use proptest::prelude::*;
use tesserae::engine::{BoundaryMode, copy_block, map_blocks, map_overlap};
use tesserae::{ArraySource, Error, Region, Source};

const MODES: [BoundaryMode; 5] = [
    BoundaryMode::Reflect,
    BoundaryMode::Mirror,
    BoundaryMode::Nearest,
    BoundaryMode::Constant(-2.5),
    BoundaryMode::Wrap,
];

/// scipy.ndimage's extension of an axis of length `n` at position `i`, written
/// by unfolding (reflect again until inside) rather than by a period formula.
fn reference_index(mode: BoundaryMode, mut i: i64, n: i64) -> Option<i64> {
    match mode {
        BoundaryMode::Constant(_) => (0..n).contains(&i).then_some(i),
        BoundaryMode::Nearest => Some(i.clamp(0, n - 1)),
        BoundaryMode::Wrap => {
            while i < 0 {
                i += n;
            }
            while i >= n {
                i -= n;
            }
            Some(i)
        }
        BoundaryMode::Reflect => {
            while !(0..n).contains(&i) {
                i = if i < 0 { -i - 1 } else { 2 * n - 1 - i };
            }
            Some(i)
        }
        BoundaryMode::Mirror if n == 1 => Some(0),
        BoundaryMode::Mirror => {
            while !(0..n).contains(&i) {
                i = if i < 0 { -i } else { 2 * n - 2 - i };
            }
            Some(i)
        }
    }
}

/// The whole array padded by `depth` with scipy's rules, one mode per axis
/// (constants all equal); outside along any constant axis is the constant.
fn reference_pad(a: &ArrayD<f64>, depth: &[usize], modes: &[BoundaryMode]) -> ArrayD<f64> {
    let cval = modes
        .iter()
        .find_map(|m| match m {
            BoundaryMode::Constant(c) => Some(*c),
            _ => None,
        })
        .unwrap_or(0.0);
    let shape: Vec<usize> = a
        .shape()
        .iter()
        .zip(depth)
        .map(|(n, d)| n + 2 * d)
        .collect();
    ArrayD::from_shape_fn(IxDyn(&shape), |p| {
        let mut index = Vec::new();
        for k in 0..shape.len() {
            let i = p[k] as i64 - depth[k] as i64;
            match reference_index(modes[k], i, a.shape()[k] as i64) {
                Some(j) => index.push(j as usize),
                None => return cval,
            }
        }
        a[IxDyn(&index)]
    })
}

/// Mean over the box of size `2 * depth + 1` around every voxel of the centre.
fn box_mean(padded: ArrayViewD<'_, f64>, depth: &[usize]) -> ArrayD<f64> {
    let out_shape: Vec<usize> = padded
        .shape()
        .iter()
        .zip(depth)
        .map(|(n, d)| n - 2 * d)
        .collect();
    let sizes: Vec<usize> = depth.iter().map(|d| 2 * d + 1).collect();
    let count: usize = sizes.iter().product();
    ArrayD::from_shape_fn(IxDyn(&out_shape), |o| {
        let mut total = 0.0;
        for code in 0..count {
            let mut rest = code;
            let mut index = vec![0; sizes.len()];
            for k in (0..sizes.len()).rev() {
                index[k] = o[k] + rest % sizes[k];
                rest /= sizes[k];
            }
            total += padded[IxDyn(&index)];
        }
        total / count as f64
    })
}

/// A chunked box mean of `values` (1-D) with chunks of `chunk`.
fn chunked_mean_1d(values: &[f64], chunk: usize, depth: usize, mode: BoundaryMode) -> Vec<f64> {
    let a = ArrayD::from_shape_vec(vec![values.len()], values.to_vec()).unwrap();
    let source = ArraySource::new(a).with_chunks(&[chunk]).unwrap();
    let op = map_overlap(source, &[depth])
        .mode(mode)
        .build(|padded, block| Ok(box_mean(padded, block.depth())))
        .unwrap();
    op.read(&Region::full(&[values.len()]))
        .unwrap()
        .into_raw_vec_and_offset()
        .0
}

fn assert_close(found: &[f64], expected: &[f64]) {
    assert_eq!(found.len(), expected.len());
    for (f, e) in found.iter().zip(expected) {
        assert!((f - e).abs() < 1e-12, "{found:?} != {expected:?}");
    }
}

/// Values from scipy 1.17.1:
/// `scipy.ndimage.uniform_filter1d(np.array(x, float), size, mode=m, cval=0.0)`.
#[test]
fn hand_checked_against_scipy() {
    let scipy: [(&[f64], usize, BoundaryMode, &[f64]); 15] = [
        // x = [1, 2, 3, 4], size = 5
        (
            &[1., 2., 3., 4.],
            5,
            BoundaryMode::Reflect,
            &[1.8, 2.2, 2.8, 3.2],
        ),
        (
            &[1., 2., 3., 4.],
            5,
            BoundaryMode::Mirror,
            &[2.2, 2.4, 2.6, 2.8],
        ),
        (
            &[1., 2., 3., 4.],
            5,
            BoundaryMode::Nearest,
            &[1.6, 2.2, 2.8, 3.4],
        ),
        (
            &[1., 2., 3., 4.],
            5,
            BoundaryMode::Constant(0.0),
            &[1.2, 2.0, 2.0, 1.8],
        ),
        (
            &[1., 2., 3., 4.],
            5,
            BoundaryMode::Wrap,
            &[2.6, 2.8, 2.2, 2.4],
        ),
        // x = [5], size = 3 (an axis of length 1)
        (&[5.], 3, BoundaryMode::Reflect, &[5.0]),
        (&[5.], 3, BoundaryMode::Mirror, &[5.0]),
        (&[5.], 3, BoundaryMode::Nearest, &[5.0]),
        (&[5.], 3, BoundaryMode::Constant(0.0), &[5.0 / 3.0]),
        (&[5.], 3, BoundaryMode::Wrap, &[5.0]),
        // x = [1, 2, 4], size = 9 (a halo wider than the axis)
        (
            &[1., 2., 4.],
            9,
            BoundaryMode::Reflect,
            &[24. / 9., 21. / 9., 18. / 9.],
        ),
        (
            &[1., 2., 4.],
            9,
            BoundaryMode::Mirror,
            &[19. / 9., 20. / 9., 22. / 9.],
        ),
        (
            &[1., 2., 4.],
            9,
            BoundaryMode::Nearest,
            &[19. / 9., 22. / 9., 25. / 9.],
        ),
        (
            &[1., 2., 4.],
            9,
            BoundaryMode::Constant(0.0),
            &[7. / 9., 7. / 9., 7. / 9.],
        ),
        (
            &[1., 2., 4.],
            9,
            BoundaryMode::Wrap,
            &[21. / 9., 21. / 9., 21. / 9.],
        ),
    ];
    for (x, size, mode, expected) in scipy {
        for chunk in 1..=x.len() {
            let found = chunked_mean_1d(x, chunk, size / 2, mode);
            assert_close(&found, expected);
        }
    }
}

/// Shape, depth, input chunks, output chunks and values.
type Case = (Vec<usize>, Vec<usize>, Vec<usize>, Vec<usize>, Vec<f64>);

/// Values from scipy 1.17.1: `scipy.ndimage.uniform_filter(x, 3, mode=modes, cval=c) * 9`
/// with `x = [[1, 2, 3], [4, 5, 6]]`.
#[test]
fn per_axis_modes_hand_checked_against_scipy() {
    let x = ArrayD::from_shape_vec(vec![2, 3], vec![1., 2., 3., 4., 5., 6.]).unwrap();
    let scipy: [([BoundaryMode; 2], [f64; 6]); 3] = [
        // mode=["reflect", "constant"], cval=0.0
        (
            [BoundaryMode::Reflect, BoundaryMode::Constant(0.0)],
            [15., 27., 21., 21., 36., 27.],
        ),
        // mode=["wrap", "mirror"]
        (
            [BoundaryMode::Wrap, BoundaryMode::Mirror],
            [33., 36., 39., 24., 27., 30.],
        ),
        // mode=["constant", "nearest"], cval=1.0
        (
            [BoundaryMode::Constant(1.0), BoundaryMode::Nearest],
            [20., 24., 28., 20., 24., 28.],
        ),
    ];
    for (modes, expected) in scipy {
        for chunks in [[1, 1], [1, 2], [2, 3]] {
            let source = ArraySource::new(x.clone()).with_chunks(&chunks).unwrap();
            let op = map_overlap(source, &[1, 1])
                .modes(&modes)
                .build(|padded, block| Ok(box_mean(padded, block.depth()).mapv(|v| v * 9.0)))
                .unwrap();
            let found = op.read(&Region::full(&[2, 3])).unwrap();
            assert_close(found.as_slice().unwrap(), &expected);
        }
    }
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=4)
        .prop_flat_map(|rank| {
            let max_depth: usize = if rank >= 3 { 3 } else { 7 };
            prop::collection::vec((1usize..=6, 0..=max_depth), rank)
        })
        .prop_flat_map(|axes| {
            let shape: Vec<usize> = axes.iter().map(|a| a.0).collect();
            let depth: Vec<usize> = axes.iter().map(|a| a.1).collect();
            let input_chunks: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
            let output_chunks: Vec<_> = shape.iter().map(|&n| 1..=n).collect();
            let len: usize = shape.iter().product();
            (
                Just(shape),
                Just(depth),
                input_chunks,
                output_chunks,
                prop::collection::vec((-20i32..20).prop_map(f64::from), len),
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Chunked `map_overlap` with a box mean equals the box mean of the whole
    /// array padded by the reference, for every mode.
    #[test]
    fn chunked_equals_whole((shape, depth, input_chunks, output_chunks, values) in case()) {
        let a = ArrayD::from_shape_vec(shape.clone(), values).unwrap();
        for mode in MODES {
            let expected = box_mean(reference_pad(&a, &depth, &vec![mode; shape.len()]).view(), &depth);
            let source = ArraySource::new(a.clone()).with_chunks(&input_chunks).unwrap();
            let op = map_overlap(source, &depth)
                .mode(mode)
                .chunks(&output_chunks)
                .build(|padded, block| Ok(box_mean(padded, block.depth())))
                .unwrap();
            let found = op.read(&Region::full(&shape)).unwrap();
            prop_assert_eq!(&found, &expected, "mode {:?}", mode);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The same with one mode per axis.
    #[test]
    fn chunked_equals_whole_per_axis_modes(
        (shape, depth, input_chunks, output_chunks, values) in case(),
        picks in prop::collection::vec(0usize..5, 4),
    ) {
        let a = ArrayD::from_shape_vec(shape.clone(), values).unwrap();
        let modes: Vec<BoundaryMode> = picks[..shape.len()].iter().map(|&p| MODES[p]).collect();
        let expected = box_mean(reference_pad(&a, &depth, &modes).view(), &depth);
        let source = ArraySource::new(a.clone()).with_chunks(&input_chunks).unwrap();
        let op = map_overlap(source, &depth)
            .modes(&modes)
            .chunks(&output_chunks)
            .build(|padded, block| Ok(box_mean(padded, block.depth())))
            .unwrap();
        let found = op.read(&Region::full(&shape)).unwrap();
        prop_assert_eq!(&found, &expected, "modes {:?}", modes);
    }
}

/// A source that counts its reads and the voxels they return.
struct Counting {
    inner: ArraySource<f64>,
    reads: AtomicUsize,
    voxels: AtomicUsize,
    regions: Mutex<Vec<Region>>,
}

impl Counting {
    fn new(shape: &[usize], chunks: &[usize]) -> Self {
        let a = ArrayD::from_shape_fn(IxDyn(shape), |i| {
            (0..shape.len())
                .map(|k| i[k] * 1000usize.pow(k as u32))
                .sum::<usize>() as f64
        });
        Counting {
            inner: ArraySource::new(a).with_chunks(chunks).unwrap(),
            reads: AtomicUsize::new(0),
            voxels: AtomicUsize::new(0),
            regions: Mutex::new(Vec::new()),
        }
    }
}

impl Source for Counting {
    type Elem = f64;
    fn shape(&self) -> &[usize] {
        self.inner.shape()
    }
    fn chunk_shape(&self) -> &[usize] {
        self.inner.chunk_shape()
    }
    fn read(&self, region: &Region) -> tesserae::Result<ArrayD<f64>> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.voxels.fetch_add(region.len(), Ordering::Relaxed);
        self.regions.lock().unwrap().push(region.clone());
        self.inner.read(region)
    }
}

#[test]
fn wrap_reads_only_the_needed_runs() {
    let source = Counting::new(&[1000, 50], &[100, 50]);
    let op = map_overlap(&source, &[2, 1])
        .mode(BoundaryMode::Wrap)
        .build(|padded, block| Ok(block.centre(padded).to_owned()))
        .unwrap();
    let first = op.read(&Region::new(vec![0, 0], vec![100, 50])).unwrap();
    assert_eq!(
        first,
        source
            .inner
            .read(&Region::new(vec![0, 0], vec![100, 50]))
            .unwrap()
    );
    // Rows 998..1000 and 0..102, each with all 50 columns (wrapped as a whole axis of 50).
    assert_eq!(source.voxels.load(Ordering::Relaxed), 104 * 50);
    assert!(
        source
            .regions
            .lock()
            .unwrap()
            .iter()
            .all(|r| r.shape()[0] <= 102)
    );
}

#[test]
fn interior_chunks_read_one_region() {
    let source = Counting::new(&[30, 30], &[10, 10]);
    let op = map_overlap(&source, &[3, 4])
        .mode(BoundaryMode::Mirror)
        .build(|padded, block| Ok(block.centre(padded).to_owned()))
        .unwrap();
    let centre = op.read(&Region::new(vec![10, 10], vec![10, 10])).unwrap();
    assert_eq!(source.reads.load(Ordering::Relaxed), 1);
    assert_eq!(
        source.regions.lock().unwrap()[0],
        Region::new(vec![7, 6], vec![16, 18])
    );
    assert_eq!(
        centre,
        source
            .inner
            .read(&Region::new(vec![10, 10], vec![10, 10]))
            .unwrap()
    );
}

#[test]
fn halo_wider_than_neighbouring_chunks_is_real_data() {
    let source = Counting::new(&[40], &[2]);
    let op = map_overlap(&source, &[7])
        .mode(BoundaryMode::Constant(0.0))
        .build(|padded, _| Ok(padded.to_owned().slice_move(ndarray::s![..2]).into_dyn()))
        .unwrap();
    // The output of chunk [20, 22) is the first two values of its padded block: 13, 14.
    let out = op.read(&Region::new(vec![20], vec![2])).unwrap();
    assert_eq!(out.as_slice(), Some(&[13.0, 14.0][..]));
}

#[test]
fn map_blocks_computes_only_overlapping_chunks() {
    let a = ArrayD::from_shape_fn(IxDyn(&[8, 8]), |i| (i[0] * 8 + i[1]) as u16);
    let computed = AtomicUsize::new(0);
    let source = ArraySource::new(a.clone()).with_chunks(&[4, 4]).unwrap();
    let op = map_blocks(source, None, |block, _| {
        computed.fetch_add(1, Ordering::Relaxed);
        Ok(block.mapv(|v| u32::from(v) + 1))
    })
    .unwrap();
    let one = op.read(&Region::new(vec![4, 0], vec![4, 4])).unwrap();
    assert_eq!(computed.swap(0, Ordering::Relaxed), 1);
    assert_eq!(one[[0, 0]], 33);
    let two = op.read(&Region::new(vec![1, 2], vec![2, 4])).unwrap();
    assert_eq!(computed.swap(0, Ordering::Relaxed), 2);
    let expected = Region::new(vec![1, 2], vec![2, 4])
        .view(&a)
        .mapv(|v| u32::from(v) + 1);
    assert_eq!(two, expected);
    let inside = op.read(&Region::new(vec![5, 5], vec![2, 2])).unwrap();
    assert_eq!(computed.swap(0, Ordering::Relaxed), 1);
    assert_eq!(inside[[1, 1]], 55);
}

#[test]
fn map_blocks_with_other_chunks_and_voxel_size() {
    let a = ArrayD::from_shape_fn(IxDyn(&[5, 7]), |i| (i[0] * 7 + i[1]) as i32);
    let voxel = tesserae::VoxelSize::new(vec![2.0, 0.5], Some("micron".into()));
    let source = ArraySource::new(a.clone()).with_voxel_size(voxel.clone());
    let overlap = map_overlap(&source, &[1, 1])
        .build(|padded, block| Ok(copy_block(block.centre(padded))))
        .unwrap();
    assert_eq!(overlap.voxel_size(), Some(voxel.clone()));
    let op = map_blocks(source, Some(&[2, 3]), |block, region| {
        Ok(block.mapv(|v| v - region.start()[0] as i32))
    })
    .unwrap();
    assert_eq!(op.chunk_shape(), &[2, 3]);
    assert_eq!(op.voxel_size(), Some(voxel));
    let all = op.read(&Region::full(&[5, 7])).unwrap();
    let expected = ArrayD::from_shape_fn(IxDyn(&[5, 7]), |i| a[&i] - (i[0] / 2 * 2) as i32);
    assert_eq!(all, expected);
}

#[test]
fn wrong_block_shapes_are_errors() {
    let a = ArrayD::<u8>::zeros(IxDyn(&[4, 4]));
    let blocks = map_blocks(ArraySource::new(a.clone()), Some(&[2, 2]), |block, _| {
        Ok(block.slice_move(ndarray::s![.., ..1]).to_owned().into_dyn())
    })
    .unwrap();
    let err = blocks.read(&Region::full(&[4, 4])).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let overlap = map_overlap(ArraySource::new(a.clone()), &[1, 1])
        .build(|padded, _| Ok(padded.to_owned()))
        .unwrap();
    let err = overlap.read(&Region::full(&[4, 4])).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    assert!(
        map_overlap(ArraySource::new(a.clone()), &[1])
            .build(|padded, _| Ok(padded.to_owned()))
            .is_err()
    );
    assert!(
        map_overlap(ArraySource::new(a.clone()), &[1, 1])
            .mode(BoundaryMode::Constant(-1.0))
            .build(|padded, _| Ok(padded.to_owned()))
            .is_err()
    );
    assert!(
        map_overlap(ArraySource::new(a.clone()), &[1, 1])
            .modes(&[BoundaryMode::Wrap])
            .build(|padded, _| Ok(padded.to_owned()))
            .is_err()
    );
    assert!(
        map_overlap(ArraySource::new(a), &[1, 1])
            .modes(&[BoundaryMode::Constant(1.0), BoundaryMode::Constant(2.0)])
            .build(|padded, _| Ok(padded.to_owned()))
            .is_err()
    );
}

#[test]
fn copy_block_is_c_ordered_at_every_rank() {
    for rank in 1..=5 {
        let shape = vec![4; rank];
        let a = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
            (0..rank)
                .map(|k| i[k] * 10usize.pow(k as u32))
                .sum::<usize>()
        });
        let part = a.slice_each_axis(|_| ndarray::Slice::from(1..3));
        let copy = copy_block(part.view());
        assert!(copy.is_standard_layout());
        assert_eq!(copy, part);
    }
}

#[test]
fn interior_blocks_of_in_memory_sources_are_not_copied() {
    let a = ArrayD::from_shape_fn(IxDyn(&[12, 12]), |i| (i[0] * 12 + i[1]) as u16);
    let source = ArraySource::new(a).with_chunks(&[4, 4]).unwrap();
    let start = source.array().as_ptr() as usize;
    let memory = start..start + source.array().len() * std::mem::size_of::<u16>();
    let copies = AtomicUsize::new(0);
    let op = map_overlap(&source, &[1, 1])
        .build(|padded, block| {
            if !memory.contains(&(padded.as_ptr() as usize)) {
                copies.fetch_add(1, Ordering::Relaxed);
            }
            Ok(copy_block(block.centre(padded)))
        })
        .unwrap();
    let interior = op.read(&Region::new(vec![4, 4], vec![4, 4])).unwrap();
    assert_eq!(copies.load(Ordering::Relaxed), 0);
    assert_eq!(interior[[0, 0]], 52);
    op.read(&Region::new(vec![0, 4], vec![4, 4])).unwrap();
    assert_eq!(copies.load(Ordering::Relaxed), 1);
}
