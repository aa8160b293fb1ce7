//! The kernel's special paths against an independent flood fill (numbered by
//! first voxel in raster order, as scipy):
//! - rows longer than one 64-voxel word (the binary kernel works on 64-voxel
//!   bit masks: runs crossing words, rows ending mid-word, diagonal contacts
//!   at word edges), in one piece and chunked;
//! - images large enough for `Label::apply` to label slabs on several threads
//!   and merge them.

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

use crate::common;
use common::{flood_fill, structure};
use tesserae::ndmeasure::{Connectivity, Label, Structure};
use tesserae::{ArraySink, ArraySource, Executor};

/// An image of 1–3 leading rows-worth of axes and 60–200 voxels per row, at a
/// random density.
fn image() -> impl Strategy<Value = ArrayD<u8>> {
    (1usize..3, 1usize..5, 60usize..200, 1u32..10).prop_flat_map(|(ndim_lead, lead, len, p)| {
        let mut shape = vec![lead; ndim_lead];
        shape.push(len);
        let n: usize = shape.iter().product();
        proptest::collection::vec(0u32..10, n).prop_map(move |v| {
            let data = v.into_iter().map(|x| u8::from(x < p)).collect();
            ArrayD::from_shape_vec(shape.clone(), data).unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn wide_rows_match_flood_fill(
        (image, structure, chunk) in image().prop_flat_map(|image| {
            let ndim = image.ndim();
            (Just(image), structure(ndim), 1usize..100)
        })
    ) {
        let (expected, n) = flood_fill(&image, &structure, false);
        let label = Label::with_structure(structure);
        let (labels, count) = label.apply(&image.view()).unwrap();
        prop_assert_eq!(count, n);
        prop_assert_eq!(&labels, &expected);

        let chunks: Vec<usize> = image.shape().iter().map(|&s| s.min(chunk)).collect();
        let source = ArraySource::new(image.clone()).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<u32>::new(image.shape());
        let count = label.run(&Executor::new(), &source, &mut sink).unwrap();
        prop_assert_eq!(count, n);
        prop_assert_eq!(sink.into_array(), expected);
    }
}

/// Hand-checked: in 8-connectivity the runs `[62, 64)` of row 0 and
/// `[64, 66)` of row 1 touch diagonally across a word edge, `[127, 128)` and
/// `[128, 129)` too; in 4-connectivity they do not, until a run spanning the
/// whole 130-voxel row below joins those of row 1.
#[test]
fn diagonal_contacts_across_word_edges() {
    let mut image = ArrayD::<u8>::zeros(IxDyn(&[3, 130]));
    for x in 62..64 {
        image[[0, x]] = 1;
    }
    for x in 64..66 {
        image[[1, x]] = 1;
    }
    image[[0, 127]] = 1;
    image[[1, 128]] = 1;
    let full = Label::new(Connectivity::Full);
    let (labels, n) = full.apply(&image.view()).unwrap();
    assert_eq!(n, 2);
    assert_eq!((labels[[0, 62]], labels[[1, 65]]), (1, 1));
    assert_eq!((labels[[0, 127]], labels[[1, 128]]), (2, 2));
    let (_, n) = Label::new(Connectivity::Face).apply(&image.view()).unwrap();
    assert_eq!(n, 4);
    for x in 0..130 {
        image[[2, x]] = 1;
    }
    let (labels, n) = Label::new(Connectivity::Face).apply(&image.view()).unwrap();
    assert_eq!(n, 3);
    // Rows 1 and 2 form one object, first seen at (1, 64) after the two of row 0.
    assert_eq!((labels[[0, 62]], labels[[0, 127]]), (1, 2));
    assert_eq!(
        (labels[[1, 65]], labels[[1, 128]], labels[[2, 0]]),
        (3, 3, 3)
    );
}

/// Random noise of `shape` at density `p` (a fixed linear congruential generator).
fn noise(shape: &[usize], p: f64, seed: u64) -> ArrayD<u8> {
    let mut state = seed;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        u8::from(((state >> 33) as f64 / (1u64 << 31) as f64) < p)
    })
}

/// Images above the parallel threshold, labeled on pools of 1 to 3 threads
/// (one piece, or slabs merged across their planes), in 2D and 3D, binary
/// and multilabel, equal the flood fill.
#[test]
fn slabs_on_several_threads_match_flood_fill() {
    for (shape, p) in [
        (vec![67usize, 41, 101], 0.5),
        (vec![67, 41, 101], 0.25),
        (vec![601, 523], 0.6),
    ] {
        let image = noise(&shape, p, shape.len() as u64);
        let ndim = shape.len();
        for connectivity in 1..=ndim {
            let structure = Structure::connectivity(ndim, connectivity).unwrap();
            let (expected, n) = flood_fill(&image, &structure, false);
            for threads in 1..=3 {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let label = Label::with_structure(structure.clone());
                let (labels, count) = pool.install(|| label.apply(&image.view())).unwrap();
                assert_eq!(count, n, "{shape:?} p={p} connectivity {connectivity}");
                assert_eq!(
                    labels, expected,
                    "{shape:?} p={p} connectivity {connectivity}"
                );
            }
        }
    }
}

/// Multilabel mode through the slabs: values 1 and 2 in noise, neighbours
/// connecting only when equal; compared with the flood fill of each value
/// alone, whose objects are the same sets of voxels.
#[test]
fn multilabel_slabs_match_one_piece() {
    let a = noise(&[64, 50, 90], 0.5, 7);
    let b = noise(&[64, 50, 90], 0.5, 8);
    let image = &a + &(&a * &b);
    let label = Label::new(Connectivity::Full).multilabel(true);
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let (expected, n) = one.install(|| label.apply(&image.view())).unwrap();
    let (labels, count) = two.install(|| label.apply(&image.view())).unwrap();
    assert_eq!((labels, count), (expected, n));
}
