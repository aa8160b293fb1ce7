//! The binary kernel on noise, where runs are short and most contacts between
//! neighbouring rows are implied by others (the kernel skips a contact with a
//! voxel next to a voxel of an earlier neighbour row that the run reaches
//! too): random noise of several densities, 2-D and 3-D, every connectivity
//! and random structures, against an independent flood fill; plus hand-checked
//! cases of contacts that must not be skipped.

use ndarray::{ArrayD, IxDyn, array};
use proptest::prelude::*;

use crate::common;
use common::{flood_fill, structure};
use tesserae::ndmeasure::{Connectivity, Label, Structure};

/// Noise of a random shape (2-D or 3-D, rows of 1 to 150 voxels, so rows of
/// one to three 64-voxel words) at a density of 5 % to 95 %.
fn noise() -> impl Strategy<Value = ArrayD<u8>> {
    (2usize..=3, 1usize..7, 1usize..150, 1u32..20).prop_flat_map(|(ndim, lead, len, p)| {
        let mut shape = vec![lead; ndim - 1];
        shape.push(len);
        let n: usize = shape.iter().product();
        proptest::collection::vec(0u32..20, n).prop_map(move |v| {
            let data = v.into_iter().map(|x| u8::from(x < p)).collect();
            ArrayD::from_shape_vec(shape.clone(), data).unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Every connectivity of the image's rank.
    #[test]
    fn noise_matches_flood_fill_for_every_connectivity(image in noise()) {
        for connectivity in 1..=image.ndim() {
            let structure = Structure::connectivity(image.ndim(), connectivity).unwrap();
            let (expected, n) = flood_fill(&image, &structure, false);
            let (labels, count) = Label::with_structure(structure).apply(&image.view()).unwrap();
            prop_assert_eq!(count, n);
            prop_assert_eq!(labels, expected);
        }
    }

    /// Any centrally symmetric structure (rows connecting at some shifts only,
    /// rows not touching each other, no connection along the row).
    #[test]
    fn noise_matches_flood_fill_for_random_structures(
        (image, structure) in noise().prop_flat_map(|image| {
            let ndim = image.ndim();
            (Just(image), structure(ndim))
        })
    ) {
        let (expected, n) = flood_fill(&image, &structure, false);
        let (labels, count) = Label::with_structure(structure).apply(&image.view()).unwrap();
        prop_assert_eq!(count, n);
        prop_assert_eq!(labels, expected);
    }
}

/// Hand-checked, 26-connectivity: the run at x = 2 of row (1, 1) reaches
/// (0, 0, 1) diagonally, and (0, 0, 1) touches (0, 1, 0), which the run at
/// x = 0 reaches, not this one: that contact implies nothing for the run at
/// x = 2, and the four voxels form one object. Then the same mirrored along
/// the row.
#[test]
fn contact_next_to_another_runs_reach_is_kept() {
    let image = array![[[0u8, 1, 0], [1, 0, 0]], [[0, 0, 0], [1, 0, 1]]].into_dyn();
    let (labels, count) = Label::new(Connectivity::Full).apply(&image.view()).unwrap();
    assert_eq!(count, 1);
    assert_eq!(labels, image.mapv(u32::from));
    let image = array![[[0u8, 1, 0], [0, 0, 1]], [[0, 0, 0], [1, 0, 1]]].into_dyn();
    let (labels, count) = Label::new(Connectivity::Full).apply(&image.view()).unwrap();
    assert_eq!(count, 1);
    assert_eq!(labels, image.mapv(u32::from));
}

/// Hand-checked, 26-connectivity: for the last row of a plane, the row one
/// plane back and one row down is outside the array (in memory it is the
/// first row of the current plane, no neighbour): the voxels (1, 0, 1) and
/// (1, 2, 1) stay apart.
#[test]
fn rows_outside_the_array_are_no_neighbours() {
    let image = array![
        [[0u8, 0, 0], [0, 0, 0], [0, 0, 0]],
        [[0, 1, 0], [0, 0, 0], [0, 1, 0]]
    ]
    .into_dyn();
    let (labels, count) = Label::new(Connectivity::Full).apply(&image.view()).unwrap();
    assert_eq!(count, 2);
    assert_eq!(
        labels,
        array![
            [[0u32, 0, 0], [0, 0, 0], [0, 0, 0]],
            [[0, 1, 0], [0, 0, 0], [0, 2, 0]]
        ]
        .into_dyn()
    );
}

/// Dense and sparse noise larger than a row of words, every connectivity, in
/// one piece on one thread (the kernel alone).
#[test]
fn larger_noise_matches_flood_fill() {
    let mut state = 7u64;
    for (shape, p) in [
        (vec![9usize, 11, 200], 0.2),
        (vec![9, 11, 200], 0.5),
        (vec![40, 300], 0.7),
    ] {
        let image = ArrayD::from_shape_simple_fn(IxDyn(&shape), || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            u8::from(((state >> 33) as f64 / (1u64 << 31) as f64) < p)
        });
        for connectivity in 1..=shape.len() {
            let structure = Structure::connectivity(shape.len(), connectivity).unwrap();
            let (expected, n) = flood_fill(&image, &structure, false);
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            let (labels, count) = pool
                .install(|| Label::with_structure(structure).apply(&image.view()))
                .unwrap();
            assert_eq!(count, n, "{shape:?} p={p} connectivity {connectivity}");
            assert_eq!(
                labels, expected,
                "{shape:?} p={p} connectivity {connectivity}"
            );
        }
    }
}
