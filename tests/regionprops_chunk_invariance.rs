//! Region properties are the same at any chunking (proptest), and bad requests
//! are refused with clear errors.

use ndarray::ArrayD;
use proptest::prelude::*;
use tesserae::ndmeasure::{Column, Property, RegionProps, RegionTable};
use tesserae::{ArraySource, ChunkGrid, Executor, Source, VoxelSize};

/// Every one-pass property that applies to `ndim` axes.
fn one_pass(ndim: usize) -> Vec<Property> {
    Property::ALL
        .iter()
        .copied()
        .filter(|p| !p.needs_object_image() && (ndim == 2 || !p.only_2d()))
        .collect()
}

fn close(a: f64, b: f64, floor: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) + floor
}

/// The largest finite magnitude among the columns of `table` whose name starts with `prefix`, in `row`.
fn magnitude(table: &RegionTable, prefix: &str, row: usize) -> f64 {
    table
        .names()
        .iter()
        .zip(table.columns())
        .filter(|(n, _)| n.split('-').next() == Some(prefix))
        .filter_map(|(_, c)| match c {
            Column::Float(v) => Some(v[row].abs()),
            _ => None,
        })
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The absolute error floor of a column: rounding relative to the property's
/// largest entry; the square roots of differences of eigenvalues (axis
/// lengths, eccentricity) amplify it to its square root.
fn floor(table: &RegionTable, name: &str, row: usize) -> f64 {
    let prefix = name.split('-').next().unwrap_or(name);
    match prefix {
        "axis_major_length" | "axis_minor_length" => {
            (1e-11 * 40.0 * magnitude(table, "inertia_tensor_eigvals", row)).sqrt()
        }
        "eccentricity" => 1e-5,
        _ => 1e-12 * magnitude(table, prefix, row),
    }
}

fn assert_same(a: &RegionTable, b: &RegionTable) {
    assert_eq!(a.names(), b.names());
    assert_eq!(a.len(), b.len());
    for (name, (x, y)) in a.names().iter().zip(a.columns().iter().zip(b.columns())) {
        match (x, y) {
            (Column::Float(x), Column::Float(y)) => {
                for row in 0..x.len() {
                    assert!(
                        close(x[row], y[row], floor(a, name, row)),
                        "{name} row {row}: {} vs {}",
                        x[row],
                        y[row]
                    );
                }
            }
            _ => assert_eq!(x, y, "{name}"),
        }
    }
}

/// A label image of `shape` with labels `0..labels`, an intensity image with
/// `channels` channels (none when 0), and a chunk shape.
fn case(ndim: usize) -> impl Strategy<Value = (ArrayD<u16>, ArrayD<u16>, usize, Vec<usize>)> {
    (
        prop::collection::vec(1usize..9, ndim),
        1u16..6,
        0usize..3,
        any::<u64>(),
    )
        .prop_flat_map(|(shape, labels, channels, seed)| {
            let n: usize = shape.iter().product();
            let chunks = shape.iter().map(|&s| 1..=s).collect::<Vec<_>>();
            (
                Just(shape),
                prop::collection::vec(0..labels, n),
                Just(channels),
                Just(seed),
                chunks,
            )
        })
        .prop_map(|(shape, data, channels, seed, chunks)| {
            let labels = ArrayD::from_shape_vec(shape.clone(), data).unwrap();
            let mut ishape = shape.clone();
            if channels > 0 {
                ishape.push(channels);
            }
            let mut state = seed | 1;
            let intensity = ArrayD::from_shape_fn(ishape, |_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % 1000) as u16
            });
            (labels, intensity, channels, chunks)
        })
}

fn check(labels: ArrayD<u16>, intensity: ArrayD<u16>, chunks: Vec<usize>, spacing: &[f64]) {
    let ndim = labels.ndim();
    let exec = Executor::new();
    let mut properties = one_pass(ndim);
    if spacing.iter().any(|&s| s != 1.0) {
        properties.retain(|p| !matches!(p, Property::MomentsHu | Property::MomentsWeightedHu));
    }
    let props = RegionProps::new().with(&properties).spacing(spacing);
    let intensity = ArraySource::new(intensity);
    let whole = props
        .run(&exec, &ArraySource::new(labels.clone()), Some(&intensity))
        .unwrap();
    let chunked = props
        .clone()
        .chunks(&chunks)
        .run(&exec, &ArraySource::new(labels.clone()), Some(&intensity))
        .unwrap();
    assert_same(&whole, &chunked);
    // Measured from the chunks as blocks, in reverse order.
    let grid = ChunkGrid::new(labels.shape(), &chunks).unwrap();
    let measuring = props.measuring(labels.shape(), Some(&intensity)).unwrap();
    for c in (0..grid.num_chunks()).rev() {
        let region = grid.chunk_region(&grid.chunk_index(c));
        let block = ArraySource::new(labels.clone()).read(&region).unwrap();
        measuring.add(&region, &block.view()).unwrap();
    }
    assert_same(&whole, &measuring.finish().unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn chunked_equals_single_chunk_2d((labels, intensity, _, chunks) in case(2)) {
        check(labels, intensity, chunks, &[1.0, 1.0]);
    }

    #[test]
    fn chunked_equals_single_chunk_3d((labels, intensity, _, chunks) in case(3)) {
        check(labels, intensity, chunks, &[2.0, 0.5, 0.75]);
    }
}

fn labels_3d() -> ArraySource<u8> {
    ArraySource::new(ArrayD::from_elem(vec![2, 3, 4], 1u8))
}

fn error(props: RegionProps, intensity: Option<&ArraySource<u8>>) -> String {
    props
        .run(&Executor::new(), &labels_3d(), intensity)
        .unwrap_err()
        .to_string()
}

#[test]
fn two_d_only_properties_are_refused_on_3d() {
    let props = RegionProps::new()
        .properties(&["label", "orientation"])
        .unwrap();
    assert!(error(props, None).contains("'orientation' is defined for 2-D images only"));
}

#[test]
fn intensity_properties_need_an_intensity_image() {
    let props = RegionProps::new().properties(&["intensity_mean"]).unwrap();
    assert!(error(props, None).contains("needs an intensity image"));
}

#[test]
fn hu_moments_need_unit_spacing() {
    let labels = ArraySource::new(ArrayD::from_elem(vec![3, 4], 1u8));
    let err = RegionProps::new()
        .with(&[Property::MomentsHu])
        .spacing(&[1.0, 2.0])
        .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)
        .unwrap_err();
    assert!(err.to_string().contains("spacing of 1 only"), "{err}");
}

#[test]
fn bad_spacing_and_shapes_are_refused() {
    let props = RegionProps::new().spacing(&[1.0, 0.0, 1.0]);
    assert!(error(props, None).contains("positive"));
    let props = RegionProps::new().spacing(&[1.0, 1.0]);
    assert!(error(props, None).contains("3 positive numbers"));
    let other = ArraySource::new(ArrayD::from_elem(vec![2, 3, 5], 1u8));
    let err = error(
        RegionProps::new().with(&[Property::IntensityMax]),
        Some(&other),
    );
    assert!(err.contains("shape mismatch"), "{err}");
    let flat = ArraySource::new(ArrayD::from_elem(vec![5], 1u8));
    let err = RegionProps::new()
        .run::<_, ArraySource<u8>>(&Executor::new(), &flat, None)
        .unwrap_err();
    assert!(err.is_bad_input() && err.to_string().contains("2-D or 3-D"));
}

#[test]
fn spacing_comes_from_the_voxel_size() {
    let labels = labels_3d().with_voxel_size(VoxelSize::new(vec![2.0, 1.0, 0.5], None));
    let table = RegionProps::new()
        .with(&[Property::Area, Property::Centroid])
        .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)
        .unwrap();
    // 24 voxels of volume 1; centroid (0.5, 1, 1.5) in voxels, scaled.
    assert_eq!(table.float("area"), Some(&[24.0][..]));
    assert_eq!(table.float("centroid-0"), Some(&[1.0][..]));
    assert_eq!(table.float("centroid-2"), Some(&[0.75][..]));
}

#[test]
fn empty_label_images_give_empty_tables_with_the_columns() {
    let labels = ArraySource::new(ArrayD::from_elem(vec![4, 4], 0u32));
    let table = RegionProps::new()
        .properties(&["label", "centroid"])
        .unwrap()
        .run::<_, ArraySource<u8>>(&Executor::new(), &labels, None)
        .unwrap();
    assert_eq!(table.names(), ["label", "centroid-0", "centroid-1"]);
    assert!(table.is_empty());
}

#[test]
fn measuring_blocks_refuses_object_image_properties_and_gaps() {
    let props = RegionProps::new()
        .properties(&["label", "perimeter"])
        .unwrap();
    let message = props
        .measuring::<ArraySource<u8>>(&[4, 4], None)
        .unwrap_err()
        .to_string();
    assert!(message.contains("perimeter"), "{message}");
    let props = RegionProps::new().properties(&["label", "area"]).unwrap();
    let measuring = props.measuring::<ArraySource<u8>>(&[4, 4], None).unwrap();
    let block = ndarray::ArrayD::<u32>::ones(vec![2, 4]);
    measuring
        .add(
            &tesserae::Region::new(vec![0, 0], vec![2, 4]),
            &block.view(),
        )
        .unwrap();
    let message = measuring.finish().unwrap_err().to_string();
    assert!(message.contains("8 voxels"), "{message}");
}
