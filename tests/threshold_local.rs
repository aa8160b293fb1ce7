//! `threshold_local` against scikit-image 0.26 (fixtures/threshold/local.json,
//! made by the committed script), in memory and chunked, with chunks smaller
//! than the halo; the chunked mask; errors.

use std::path::Path;

use ndarray::ArrayD;
use serde_json::Value;
use tesserae::ndfilters::{FilterOutput, LocalMethod, ThresholdLocal};
use tesserae::{ArraySink, ArraySource, BoundaryMode, Element, Executor, Region, Source, store};

fn dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/threshold"))
}

fn load<T: Element + bytemuck::Pod>(file: &str, shape: &[usize]) -> ArrayD<T> {
    let bytes = std::fs::read(dir().join(file)).unwrap();
    let values: Vec<T> = bytemuck::pod_collect_to_vec(&bytes);
    ArrayD::from_shape_vec(shape.to_vec(), values).unwrap()
}

fn numbers(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().map(|x| x.as_f64().unwrap()).collect(),
        other => vec![other.as_f64().unwrap()],
    }
}

/// The builder of a fixture case's options.
fn builder(options: &Value) -> ThresholdLocal {
    let sizes: Vec<usize> = numbers(&options["block_size"])
        .into_iter()
        .map(|v| v as usize)
        .collect();
    let mut t = ThresholdLocal::block_sizes(&sizes);
    if let Some(m) = options["method"].as_str() {
        t = t.method(LocalMethod::parse(m).unwrap());
    }
    if let Some(o) = options["offset"].as_f64() {
        t = t.offset(o);
    }
    if !options["param"].is_null() {
        t = t.sigma(&numbers(&options["param"]));
    }
    let cval = options["cval"].as_f64().unwrap_or(0.0);
    let mode = match options["mode"].as_str().unwrap_or("reflect") {
        "reflect" => BoundaryMode::Reflect,
        "constant" => BoundaryMode::Constant(cval),
        "nearest" => BoundaryMode::Nearest,
        "mirror" => BoundaryMode::Mirror,
        "wrap" => BoundaryMode::Wrap,
        other => panic!("unexpected mode {other}"),
    };
    t.mode(mode)
}

fn close<U: Element>(got: &ArrayD<U>, expected: &ArrayD<U>, exact: bool, what: &str) {
    assert_eq!(got.shape(), expected.shape(), "{what}");
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        let (g, e) = (g.as_f64(), e.as_f64());
        if exact {
            assert_eq!(g, e, "{what} at {i}");
        } else {
            assert!(
                (g - e).abs() <= 1e-5 * e.abs().max(1.0),
                "{what} at {i}: {g} != {e}"
            );
        }
    }
}

fn check<T: Element + bytemuck::Pod, U: FilterOutput + bytemuck::Pod>(case: &Value) {
    let shape: Vec<usize> = numbers(&case["shape"])
        .into_iter()
        .map(|v| v as usize)
        .collect();
    let image = load::<T>(&format!("{}.bin", case["image"].as_str().unwrap()), &shape);
    let expected = load::<U>(case["output"].as_str().unwrap(), &shape);
    let options = &case["options"];
    let local = builder(options);
    let exact = options["method"].as_str() == Some("median");
    let what = format!("{} {options}", case["image"]);
    let whole: ArrayD<U> = local.apply(&image.view()).unwrap();
    close(&whole, &expected, exact, &what);
    for chunks in [
        vec![2; shape.len()],
        shape.iter().map(|&n| n.div_ceil(3)).collect(),
    ] {
        let source = ArraySource::new(image.clone())
            .with_chunks(&chunks)
            .unwrap();
        let lazy = local.lazy::<_, U>(source).unwrap();
        let mut sink = ArraySink::new(&shape);
        store(&Executor::new(), &lazy, &mut sink).unwrap();
        assert_eq!(sink.into_array(), whole, "{what} chunks {chunks:?}");
    }
    // The mask, as scikit-image's `image > threshold_local(image, …)`.
    let mask = local
        .mask(
            ArraySource::new(image.clone())
                .with_chunks(&[3; 3][..shape.len()])
                .unwrap(),
        )
        .unwrap()
        .read(&Region::full(&shape))
        .unwrap();
    let expected_mask = ndarray::Zip::from(&image)
        .and(&expected)
        .map_collect(|v, t| u8::from(v.as_f64() > t.as_f64()));
    if exact {
        assert_eq!(mask, expected_mask, "{what} mask");
    } else {
        let differ = mask
            .iter()
            .zip(&expected_mask)
            .filter(|(a, b)| a != b)
            .count();
        assert!(differ <= 1, "{what}: {differ} mask voxels differ");
    }
}

#[test]
fn threshold_local_equals_scikit_image() {
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("local.json")).unwrap()).unwrap();
    let cases = cases.as_array().unwrap();
    for case in cases {
        match (
            case["dtype"].as_str().unwrap(),
            case["output_dtype"].as_str().unwrap(),
        ) {
            ("uint8", "float64") => check::<u8, f64>(case),
            ("uint16", "float64") => check::<u16, f64>(case),
            ("float32", "float32") => check::<f32, f32>(case),
            ("float64", "float64") => check::<f64, f64>(case),
            other => panic!("unexpected types {other:?}"),
        }
    }
    assert_eq!(cases.len(), 15);
}

#[test]
fn bad_arguments_are_errors() {
    let image = ArrayD::<u8>::zeros(vec![6, 6]);
    let even = ThresholdLocal::new(4).apply::<u8, f64>(&image.view());
    assert!(matches!(even, Err(tesserae::Error::InvalidArgument(_))));
    let wrong_rank = ThresholdLocal::block_sizes(&[3, 3, 3]).apply::<u8, f64>(&image.view());
    assert!(wrong_rank.is_err());
    let bad_sigma = ThresholdLocal::new(3)
        .sigma(&[-1.0])
        .apply::<u8, f64>(&image.view());
    assert!(bad_sigma.is_err());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
    /// Every method and mode gives the same threshold image at any chunking,
    /// chunks smaller than the halo included.
    #[test]
    fn chunked_equals_single_chunk(
        values in proptest::collection::vec(0u16..500, 7 * 9 * 5),
        c in proptest::collection::vec(1usize..6, 3),
        block in proptest::sample::select(vec![1usize, 3, 5, 7, 9]),
        method in proptest::sample::select(LocalMethod::ALL.to_vec()),
        mode in proptest::sample::select(vec![
            BoundaryMode::Reflect, BoundaryMode::Constant(7.5), BoundaryMode::Nearest,
            BoundaryMode::Mirror, BoundaryMode::Wrap,
        ]),
        offset in -3.0f64..3.0,
    ) {
        let image = ArrayD::from_shape_vec(vec![7, 9, 5], values).unwrap();
        let local = ThresholdLocal::new(block).method(method).mode(mode).offset(offset);
        let whole: ArrayD<f64> = local.clone().chunks(&[7, 9, 5]).apply(&image.view()).unwrap();
        let chunked: ArrayD<f64> = local.clone().chunks(&c).apply(&image.view()).unwrap();
        proptest::prop_assert_eq!(&chunked, &whole);
        let source = ArraySource::new(image.clone()).with_chunks(&c).unwrap();
        let mask = local.mask(source).unwrap().read(&Region::full(&[7, 9, 5])).unwrap();
        let expected = ndarray::Zip::from(&image).and(&whole).map_collect(|&v, &t| u8::from(f64::from(v) > t));
        proptest::prop_assert_eq!(mask, expected);
    }
}
