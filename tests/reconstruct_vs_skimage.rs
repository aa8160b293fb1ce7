//! Morphological reconstruction, `h_maxima`, `h_minima`, `local_maxima` and
//! `local_minima` equal scikit-image's,
//! voxel for voxel, in memory and at chunkings that include 1-voxel chunks and
//! chunks that do not divide the shape. Fixtures:
//! fixtures/reconstruct/make_fixtures.py.

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::engine::Fixpoint;
use tesserae::ndfilters::Footprint;
use tesserae::ndmorph::{HExtrema, LocalExtrema, Reconstruction, ReconstructionFloat};
use tesserae::{ArraySink, ArraySource, Executor};

use crate::fixture_support::{Raw, case_footprint, chunkings, fixtures, input, manifest, read_raw};

fn check_reconstruction<T: Raw, M: Raw, F: ReconstructionFloat + Raw>(
    manifest: &Value,
    case: &Value,
) {
    let name = case["name"].as_str().unwrap();
    let seed: ArrayD<T> = input("reconstruct", manifest, case["seed"].as_str().unwrap());
    let mask: ArrayD<M> = input("reconstruct", manifest, case["mask"].as_str().unwrap());
    let expected: ArrayD<F> = read_raw(
        &fixtures("reconstruct").join(format!("{name}.bin")),
        seed.shape(),
    );
    let mut op = Reconstruction::new(case["op"].as_str().unwrap().parse().unwrap());
    if let Some(fp) = case_footprint(case) {
        op = op.footprint(fp);
    }
    assert_eq!(
        op.apply::<T, M, F>(&seed.view(), &mask.view()).unwrap(),
        expected,
        "{name} in memory"
    );
    let exec = Executor::new();
    for chunks in chunkings(seed.shape()) {
        let seed = ArraySource::new(seed.clone()).with_chunks(&chunks).unwrap();
        let mask = ArraySource::new(mask.clone());
        let mut sink = ArraySink::<F>::new(seed.array().shape());
        op.clone()
            .chunks(&chunks)
            .run(&exec, &seed, &mask, &mut sink)
            .unwrap();
        assert_eq!(sink.into_array(), expected, "{name} in chunks {chunks:?}");
    }
}

/// A uint8 extrema case: its image and scikit-image's output.
fn extrema_case<T: Raw>(manifest: &Value, case: &Value) -> (ArrayD<T>, ArrayD<u8>) {
    let name = case["name"].as_str().unwrap();
    let image: ArrayD<T> = input("reconstruct", manifest, case["mask"].as_str().unwrap());
    let expected = read_raw(
        &fixtures("reconstruct").join(format!("{name}.bin")),
        image.shape(),
    );
    (image, expected)
}

/// `expected` from `apply` in memory and from `run` at every chunking and
/// cache budget (`run(source, chunks, cache, sink)`).
fn equal_at_every_chunking<T: Raw>(
    name: &str,
    image: &ArrayD<T>,
    expected: &ArrayD<u8>,
    apply: impl Fn(&ArrayD<T>) -> ArrayD<u8>,
    run: impl Fn(&ArraySource<T>, &[usize], usize, &mut ArraySink<u8>),
    caches: &[usize],
) {
    assert_eq!(&apply(image), expected, "{name} in memory");
    for chunks in chunkings(image.shape()) {
        let source = ArraySource::new(image.clone())
            .with_chunks(&chunks)
            .unwrap();
        for &cache in caches {
            let mut sink = ArraySink::<u8>::new(image.shape());
            run(&source, &chunks, cache, &mut sink);
            assert_eq!(&sink.into_array(), expected, "{name} in chunks {chunks:?}");
        }
    }
}

fn check_extrema<T: Raw>(manifest: &Value, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let (image, expected) = extrema_case::<T>(manifest, case);
    let h = case["h"].as_f64().unwrap();
    let mut op = match case["op"].as_str().unwrap() {
        "h_maxima" => HExtrema::maxima(h),
        _ => HExtrema::minima(h),
    };
    if let Some(fp) = case_footprint(case) {
        op = op.footprint(fp);
    }
    equal_at_every_chunking(
        name,
        &image,
        &expected,
        |image| op.apply(&image.view()).unwrap(),
        |source, chunks, _, sink| {
            op.clone()
                .chunks(chunks)
                .run(&Executor::new(), source, sink)
                .unwrap()
        },
        &[Fixpoint::DEFAULT_CACHE],
    );
}

fn check_local<T: Raw>(manifest: &Value, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let (image, expected) = extrema_case::<T>(manifest, case);
    let mut op = match case["op"].as_str().unwrap() {
        "local_maxima" => LocalExtrema::maxima(),
        _ => LocalExtrema::minima(),
    };
    if let Some(c) = case["connectivity"].as_u64() {
        op = op.connectivity(c as usize);
    }
    if let Some(fp) = case_footprint(case) {
        op = op.footprint(fp);
    }
    op = op.allow_borders(case["allow_borders"].as_bool().unwrap());
    equal_at_every_chunking(
        name,
        &image,
        &expected,
        |image| op.apply(&image.view()).unwrap(),
        |source, chunks, cache, sink| {
            op.clone()
                .chunks(chunks)
                .cache(cache)
                .run(&Executor::new(), source, sink)
                .unwrap()
        },
        &[0, 1 << 20],
    );
}

#[test]
fn every_case_equals_scikit_image() {
    let manifest = manifest("reconstruct");
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 50);
    let dtype = |name: &Value| {
        manifest["inputs"][name.as_str().unwrap()]["dtype"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for case in cases {
        let mask = dtype(&case["mask"]);
        match case["op"].as_str().unwrap() {
            "dilation" | "erosion" => match (dtype(&case["seed"]).as_str(), mask.as_str()) {
                ("uint8", "uint8") => check_reconstruction::<u8, u8, f64>(&manifest, case),
                ("uint16", "uint16") => check_reconstruction::<u16, u16, f64>(&manifest, case),
                ("int32", "int16") => check_reconstruction::<i32, i16, f64>(&manifest, case),
                ("float32", "float32") => check_reconstruction::<f32, f32, f32>(&manifest, case),
                ("float64", "float64") => check_reconstruction::<f64, f64, f64>(&manifest, case),
                other => panic!("no dispatch for {other:?}"),
            },
            "local_maxima" | "local_minima" => match mask.as_str() {
                "uint8" => check_local::<u8>(&manifest, case),
                "uint16" => check_local::<u16>(&manifest, case),
                "int16" => check_local::<i16>(&manifest, case),
                "float32" => check_local::<f32>(&manifest, case),
                "float64" => check_local::<f64>(&manifest, case),
                other => panic!("no dispatch for {other}"),
            },
            _ => match mask.as_str() {
                "uint8" => check_extrema::<u8>(&manifest, case),
                "uint16" => check_extrema::<u16>(&manifest, case),
                "float32" => check_extrema::<f32>(&manifest, case),
                "float64" => check_extrema::<f64>(&manifest, case),
                other => panic!("no dispatch for {other}"),
            },
        }
    }
}

#[test]
fn bad_input_is_refused() {
    let seed = ArrayD::from_elem(vec![3, 3], 5.0f64);
    let mask = ArrayD::from_elem(vec![3, 3], 4.0f64);
    assert!(matches!(
        Reconstruction::dilation().apply::<f64, f64, f64>(&seed.view(), &mask.view()),
        Err(tesserae::Error::InvalidArgument(_))
    ));
    assert!(
        Reconstruction::erosion()
            .apply::<f64, f64, f64>(&mask.view(), &seed.view())
            .is_err()
    );
    let other = ArrayD::from_elem(vec![3, 4], 9.0f64);
    assert!(matches!(
        Reconstruction::dilation().apply::<f64, f64, f64>(&seed.view(), &other.view()),
        Err(tesserae::Error::ShapeMismatch { .. })
    ));
    let flat = Footprint::size(&[3]).unwrap();
    assert!(
        Reconstruction::dilation()
            .footprint(flat)
            .apply::<f64, f64, f64>(&mask.view(), &seed.view())
            .is_err()
    );
    for h in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(HExtrema::maxima(h).apply(&seed.view()).is_err(), "h = {h}");
    }
}
