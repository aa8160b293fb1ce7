//! proptest: every linear filter gives the same result chunked (chunks smaller
//! than the halo, down to 1 voxel) as in one chunk, for every mode.

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tesserae::ndfilters::{
    Convolve, Correlate1d, FilterOutput, GaussianFilter, GaussianGradientMagnitude,
    GaussianLaplace, Laplace, Prewitt, Sobel, UniformFilter,
};
use tesserae::{ArraySource, BoundaryMode, Element, Region, Source};

fn mode() -> impl Strategy<Value = BoundaryMode> {
    prop_oneof![
        Just(BoundaryMode::Reflect),
        Just(BoundaryMode::Mirror),
        Just(BoundaryMode::Nearest),
        Just(BoundaryMode::Wrap),
        (-3i32..300).prop_map(|c| BoundaryMode::Constant(f64::from(c))),
        (-3.0f64..300.0).prop_map(BoundaryMode::Constant),
    ]
}

/// A shape of 1 to 3 axes and a chunk shape inside it.
fn shape_and_chunks() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    prop::collection::vec(1usize..9, 1..=3).prop_flat_map(|shape| {
        let chunks = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
        (Just(shape), chunks)
    })
}

/// Compares `chunked` with the one-chunk result of the same filter.
macro_rules! check {
    ($filter:expr, $input:expr, $chunks:expr, $U:ty) => {{
        let filter = $filter;
        let input: &ArrayD<_> = $input;
        let shape = input.shape().to_vec();
        let whole = ArraySource::new(input.clone());
        let parts = ArraySource::new(input.clone())
            .with_chunks($chunks)
            .unwrap();
        let one: ArrayD<$U> = filter
            .lazy(&whole)
            .unwrap()
            .read(&Region::full(&shape))
            .unwrap();
        let many: ArrayD<$U> = filter
            .lazy(&parts)
            .unwrap()
            .read(&Region::full(&shape))
            .unwrap();
        prop_assert_eq!(one, many);
    }};
}

fn cases<T: Element + FilterOutput>(
    input: &ArrayD<T>,
    chunks: &[usize],
    mode: BoundaryMode,
    sigma: f64,
    size: usize,
    which: usize,
) -> Result<(), TestCaseError> {
    let ndim = input.ndim();
    match which {
        0 => check!(GaussianFilter::new(sigma).mode(mode), input, chunks, T),
        1 => check!(
            GaussianFilter::new(sigma).order(&[1]).mode(mode),
            input,
            chunks,
            f32
        ),
        2 => check!(
            GaussianGradientMagnitude::new(sigma).mode(mode),
            input,
            chunks,
            T
        ),
        3 => check!(GaussianLaplace::new(sigma).mode(mode), input, chunks, f64),
        4 => check!(UniformFilter::new(size).mode(mode), input, chunks, T),
        5 => check!(UniformFilter::new(size).mode(mode), input, chunks, f32),
        6 => check!(Sobel::new().mode(mode), input, chunks, T),
        7 => check!(Prewitt::new().axis(0).mode(mode), input, chunks, f64),
        8 => check!(Laplace::new().mode(mode), input, chunks, T),
        9 => {
            let weights = ArrayD::from_shape_fn(IxDyn(&vec![size.min(4); ndim]), |i| {
                (0..ndim).map(|k| i[k]).sum::<usize>() as f64 - 1.5
            });
            check!(Convolve::new(weights.view()).mode(mode), input, chunks, f32)
        }
        _ => check!(
            Correlate1d::new(&[0.5, -1.0, 2.0, 0.25])
                .axis(0)
                .origin(1)
                .mode(mode),
            input,
            chunks,
            T
        ),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn chunked_equals_one_chunk(
        (shape, chunks) in shape_and_chunks(),
        mode in mode(),
        sigma in 0.3f64..3.0,
        size in 1usize..6,
        which in 0usize..11,
        float in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let n: usize = shape.iter().product();
        let values: Vec<u64> = (0..n as u64)
            .map(|i| (i.wrapping_mul(6364136223846793005).wrapping_add(seed) >> 33) % 256)
            .collect();
        if float {
            let input = ArrayD::from_shape_vec(IxDyn(&shape), values.iter().map(|&v| v as f32 * 0.37 - 20.0).collect()).unwrap();
            cases(&input, &chunks, mode, sigma, size, which)?;
        } else {
            let input = ArrayD::from_shape_vec(IxDyn(&shape), values.iter().map(|&v| v as u8).collect()).unwrap();
            cases(&input, &chunks, mode, sigma, size, which)?;
        }
    }
}
