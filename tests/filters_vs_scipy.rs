//! The linear filters equal scipy.ndimage's: every filter, every boundary mode,
//! u8/u16/f32/f64, 2D and 3D, in memory and chunked with chunks smaller than
//! the halo; exact for integer outputs, within 1e-5 (relative) for floats.
//! Fixtures: fixtures/filters/make_fixtures.py.

use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;
use tesserae::ndfilters::{
    Convolve, Convolve1d, Correlate, Correlate1d, FilterOutput, GaussianFilter,
    GaussianGradientMagnitude, GaussianLaplace, Laplace, Prewitt, Sobel, UniformFilter,
};
use tesserae::{ArraySource, BoundaryMode, Element, Region, Source};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/filters")
}

trait Le: Element {
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().unwrap())
            }
        }
    )*};
}
le!(u8, u16, f32, f64);

fn read<T: Le>(blob: &[u8], offset: usize, shape: &[usize]) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    let size = std::mem::size_of::<T>();
    let values = blob[offset..offset + n * size]
        .chunks_exact(size)
        .map(T::from_le)
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), values).unwrap()
}

fn numbers<V>(value: &Value, f: impl Fn(&Value) -> V) -> Vec<V> {
    value.as_array().unwrap().iter().map(f).collect()
}

/// Every filter under test, so cases dispatch on one type.
enum Any {
    Gaussian(GaussianFilter),
    Magnitude(GaussianGradientMagnitude),
    GaussLaplace(GaussianLaplace),
    Uniform(UniformFilter),
    Sobel(Sobel),
    Prewitt(Prewitt),
    Laplace(Laplace),
    Correlate(Correlate),
    Convolve(Convolve),
    Correlate1d(Correlate1d),
    Convolve1d(Convolve1d),
}

macro_rules! each {
    ($any:expr, $f:ident => $body:expr) => {
        match $any {
            Any::Gaussian($f) => $body,
            Any::Magnitude($f) => $body,
            Any::GaussLaplace($f) => $body,
            Any::Uniform($f) => $body,
            Any::Sobel($f) => $body,
            Any::Prewitt($f) => $body,
            Any::Laplace($f) => $body,
            Any::Correlate($f) => $body,
            Any::Convolve($f) => $body,
            Any::Correlate1d($f) => $body,
            Any::Convolve1d($f) => $body,
        }
    };
}

fn filter(case: &Value, cval: f64) -> Any {
    let p = &case["params"];
    let f64s = |key: &str| numbers(&p[key], |v| v.as_f64().unwrap());
    let usizes = |key: &str| numbers(&p[key], |v| v.as_u64().unwrap() as usize);
    let isizes = |key: &str| numbers(&p[key], |v| v.as_i64().unwrap() as isize);
    let has = |key: &str| !p[key].is_null();
    let mode = match case["mode"].as_str().unwrap() {
        "reflect" => BoundaryMode::Reflect,
        "constant" => BoundaryMode::Constant(cval),
        "nearest" => BoundaryMode::Nearest,
        "mirror" => BoundaryMode::Mirror,
        "wrap" => BoundaryMode::Wrap,
        other => panic!("mode {other}"),
    };
    let weights = || ArrayD::from_shape_vec(IxDyn(&usizes("wshape")), f64s("weights")).unwrap();
    match case["filter"].as_str().unwrap() {
        "gaussian" => {
            let mut g = GaussianFilter::sigmas(&f64s("sigma")).mode(mode);
            if has("order") {
                g = g.order(&usizes("order"));
            }
            if has("truncate") {
                g = g.truncate(p["truncate"].as_f64().unwrap());
            }
            Any::Gaussian(g)
        }
        "gaussian-gradient-magnitude" => {
            Any::Magnitude(GaussianGradientMagnitude::sigmas(&f64s("sigma")).mode(mode))
        }
        "gaussian-laplace" => Any::GaussLaplace(GaussianLaplace::sigmas(&f64s("sigma")).mode(mode)),
        "uniform" => {
            let mut u = UniformFilter::sizes(&usizes("size")).mode(mode);
            if has("origin") {
                u = u.origin(&isizes("origin"));
            }
            Any::Uniform(u)
        }
        "sobel" => {
            let mut s = Sobel::new().mode(mode);
            if has("axis") {
                s = s.axis(p["axis"].as_u64().unwrap() as usize);
            }
            Any::Sobel(s)
        }
        "prewitt" => Any::Prewitt(
            Prewitt::new()
                .axis(p["axis"].as_u64().unwrap() as usize)
                .mode(mode),
        ),
        "laplace" => Any::Laplace(Laplace::new().mode(mode)),
        "correlate" => Any::Correlate(Correlate::new(weights().view()).mode(mode)),
        "convolve" => Any::Convolve(
            Convolve::new(weights().view())
                .origin(&isizes("origin"))
                .mode(mode),
        ),
        "correlate1d" => Any::Correlate1d(
            Correlate1d::new(&f64s("weights"))
                .axis(p["axis"].as_u64().unwrap() as usize)
                .origin(p["origin"].as_i64().unwrap() as isize)
                .mode(mode),
        ),
        "convolve1d" => Any::Convolve1d(Convolve1d::new(&f64s("weights")).mode(mode)),
        other => panic!("filter {other}"),
    }
}

/// Chunkings to check besides the whole array: smaller than every halo, and 1 voxel.
fn chunkings(shape: &[usize]) -> Vec<Vec<usize>> {
    vec![
        shape.iter().map(|&n| (n / 3).max(1)).collect(),
        vec![1; shape.len()],
    ]
}

fn compare<U: FilterOutput + Le>(name: &str, found: &ArrayD<U>, expected: &ArrayD<U>) {
    assert_eq!(found.shape(), expected.shape(), "{name}");
    for (i, (f, e)) in found.iter().zip(expected.iter()).enumerate() {
        let ok = if U::DTYPE.is_float() {
            let (f, e) = (f.as_f64(), e.as_f64());
            (f - e).abs() <= 1e-5 * e.abs().max(1.0)
        } else {
            f == e
        };
        assert!(ok, "{name}: element {i}: found {f}, scipy {e}");
    }
}

fn run<T: Le, U: FilterOutput + Le>(case: &Value, cval: f64, input: ArrayD<T>, out: &[u8]) {
    let name = format!(
        "{} {} {} {}->{} {}",
        case["filter"],
        case["params"],
        case["mode"],
        case["input"],
        case["output_dtype"],
        case["offset"]
    );
    let expected: ArrayD<U> = read(
        out,
        case["offset"].as_u64().unwrap() as usize,
        input.shape(),
    );
    let any = filter(case, cval);
    let found: ArrayD<U> = each!(&any, f => f.apply(&input.view()).unwrap());
    compare(&name, &found, &expected);
    let shape = input.shape().to_vec();
    for chunks in chunkings(&shape) {
        let source = ArraySource::new(input.clone())
            .with_chunks(&chunks)
            .unwrap();
        let chunked: ArrayD<U> = each!(&any, f => f
            .lazy::<_, U>(&source)
            .unwrap()
            .read(&Region::full(&shape))
            .unwrap());
        assert_eq!(
            chunked, found,
            "{name}: chunks {chunks:?} differ from one chunk"
        );
    }
}

#[test]
fn linear_filters_equal_scipy() {
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap())
            .unwrap();
    let inputs = std::fs::read(fixtures().join("inputs.bin")).unwrap();
    let expected = std::fs::read(fixtures().join("expected.bin")).unwrap();
    let cval = manifest["cval"].as_f64().unwrap();
    let cases = manifest["cases"].as_array().unwrap();
    assert!(cases.len() >= 600);
    for case in cases {
        let input = &manifest["inputs"][case["input"].as_str().unwrap()];
        let shape = numbers(&input["shape"], |v| v.as_u64().unwrap() as usize);
        let offset = input["offset"].as_u64().unwrap() as usize;
        macro_rules! with_output {
            ($T:ty) => {{
                let a: ArrayD<$T> = read(&inputs, offset, &shape);
                match case["output_dtype"].as_str().unwrap() {
                    "uint8" => run::<$T, u8>(case, cval, a, &expected),
                    "uint16" => run::<$T, u16>(case, cval, a, &expected),
                    "float32" => run::<$T, f32>(case, cval, a, &expected),
                    "float64" => run::<$T, f64>(case, cval, a, &expected),
                    other => panic!("dtype {other}"),
                }
            }};
        }
        match input["dtype"].as_str().unwrap() {
            "uint8" => with_output!(u8),
            "uint16" => with_output!(u16),
            "float32" => with_output!(f32),
            "float64" => with_output!(f64),
            other => panic!("dtype {other}"),
        }
    }
}
