//! The seeded watershed equals scikit-image's, voxel for voxel, in memory and
//! from chunked sources at chunkings that include 1-voxel chunks and chunks
//! that do not divide the shape. Fixtures: fixtures/watershed/make_fixtures.py.

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndfilters::Footprint;
use tesserae::segmentation::Watershed;
use tesserae::{ArraySink, ArraySource, Executor, LabelValue, Source};

use crate::fixture_support::{Raw, case_footprint, chunkings, fixtures, input, manifest, read_raw};

fn configured(case: &Value) -> Watershed {
    let mut op = Watershed::new()
        .compactness(case["compactness"].as_f64().unwrap())
        .watershed_line(case["watershed_line"].as_bool().unwrap());
    if let Some(c) = case["connectivity"].as_u64() {
        op = op.connectivity(c as usize);
    }
    if let Some(fp) = case_footprint(case) {
        op = op.footprint(fp);
    }
    op
}

fn check<T: Raw, L: Raw + LabelValue>(manifest: &Value, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let image: ArrayD<T> = input("watershed", manifest, case["image"].as_str().unwrap());
    let markers: Option<ArrayD<L>> = case["markers"]
        .as_str()
        .map(|m| input("watershed", manifest, m));
    let mask: Option<ArrayD<u8>> = case["mask"]
        .as_str()
        .map(|m| input("watershed", manifest, m));
    let expected: ArrayD<L> = read_raw(
        &fixtures("watershed").join(format!("{name}.bin")),
        image.shape(),
    );
    let op = configured(case);
    let mask_bool = mask.as_ref().map(|m| m.mapv(|v| v != 0));
    assert_eq!(
        op.apply(
            &image.view(),
            markers.as_ref().map(|m| m.view()).as_ref(),
            mask_bool.as_ref().map(|m| m.view()).as_ref()
        )
        .unwrap(),
        expected,
        "{name} in memory"
    );
    let exec = Executor::new();
    for chunks in chunkings(image.shape()) {
        let image = ArraySource::new(image.clone())
            .with_chunks(&chunks)
            .unwrap();
        let markers = markers
            .clone()
            .map(|m| ArraySource::new(m).with_chunks(&chunks).unwrap());
        let mask = mask
            .clone()
            .map(|m| ArraySource::new(m).with_chunks(&chunks).unwrap());
        let mut sink = ArraySink::<L>::new(image.shape())
            .with_chunks(&chunks)
            .unwrap();
        op.run(
            &exec,
            &image,
            markers.as_ref().map(|m| m as &dyn Source<Elem = L>),
            mask.as_ref().map(|m| m as &dyn Source<Elem = u8>),
            &mut sink,
        )
        .unwrap();
        assert_eq!(sink.into_array(), expected, "{name} in chunks {chunks:?}");
    }
}

#[test]
fn every_case_equals_scikit_image() {
    let manifest = manifest("watershed");
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 44);
    // Without markers the labels are scikit-image's int32.
    let dtype = |name: &Value| match name.as_str() {
        Some(name) => manifest["inputs"][name]["dtype"]
            .as_str()
            .unwrap()
            .to_string(),
        None => "int32".to_string(),
    };
    for case in cases {
        match (
            dtype(&case["image"]).as_str(),
            dtype(&case["markers"]).as_str(),
        ) {
            ("float32", "uint16") => check::<f32, u16>(&manifest, case),
            ("float32", "int32") => check::<f32, i32>(&manifest, case),
            ("float64", "uint32") => check::<f64, u32>(&manifest, case),
            ("float64", "uint8") => check::<f64, u8>(&manifest, case),
            ("uint8", "int32") => check::<u8, i32>(&manifest, case),
            ("uint8", "uint16") => check::<u8, u16>(&manifest, case),
            ("uint8", "uint32") => check::<u8, u32>(&manifest, case),
            ("uint8", "uint64") => check::<u8, u64>(&manifest, case),
            other => panic!("no dispatch for {other:?}"),
        }
    }
}

#[test]
fn bad_input_is_refused() {
    let image = ArrayD::from_elem(vec![3, 3], 1.0f64);
    let markers = ArrayD::from_elem(vec![3, 3], 1i32);
    let op = Watershed::new();
    let other = ArrayD::from_elem(vec![3, 4], 1i32);
    assert!(matches!(
        op.apply(&image.view(), Some(&other.view()), None),
        Err(tesserae::Error::ShapeMismatch { .. })
    ));
    let mask = ArrayD::from_elem(vec![4, 3], true);
    assert!(matches!(
        op.apply(&image.view(), Some(&markers.view()), Some(&mask.view())),
        Err(tesserae::Error::ShapeMismatch { .. })
    ));
    let negative = ArrayD::from_elem(vec![3, 3], -2i32);
    assert!(matches!(
        op.apply(&image.view(), Some(&negative.view()), None),
        Err(tesserae::Error::InvalidArgument(_))
    ));
    let mut nan = image.clone();
    nan[[1, 1]] = f64::NAN;
    assert!(matches!(
        op.apply(&nan.view(), Some(&markers.view()), None),
        Err(tesserae::Error::InvalidArgument(_))
    ));
    for c in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(
            Watershed::new()
                .compactness(c)
                .apply(&image.view(), Some(&markers.view()), None)
                .is_err(),
            "compactness {c}"
        );
    }
    let flat = Footprint::size(&[3]).unwrap();
    assert!(
        Watershed::new()
            .footprint(flat)
            .apply(&image.view(), Some(&markers.view()), None)
            .is_err()
    );
    assert!(
        Watershed::new()
            .connectivity(0)
            .apply(&image.view(), Some(&markers.view()), None)
            .is_err()
    );
}
