//! Morphological reconstruction, h-extrema and local extrema: chunked equals
//! in memory for
//! random images, footprints, chunk shapes (1-voxel chunks and chunks that do
//! not divide the shape included) and cache budgets; in memory equals a
//! naive reference that dilates (or erodes) under the mask until nothing
//! changes, or that floods every plateau and looks around it.

use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;
use tesserae::ndfilters::Footprint;
use tesserae::ndmeasure::Structure;
use tesserae::ndmorph::{HExtrema, LocalExtrema, Reconstruction, ReconstructionMethod};
use tesserae::{ArraySink, ArraySource, Executor};

use crate::common::{neighbour, shape_and_chunks, structure};

/// The footprint of `Structure::connectivity(ndim, connectivity)`.
fn footprint(ndim: usize, connectivity: usize) -> Footprint {
    Footprint::from_structure(&Structure::connectivity(ndim, connectivity).unwrap())
}

/// Geodesic dilation (erosion) of `seed` under (above) `mask` with the
/// neighbours of a centred symmetric footprint, repeated until stable.
fn naive(seed: &ArrayD<f64>, mask: &ArrayD<f64>, fp: &ArrayD<bool>, dilate: bool) -> ArrayD<f64> {
    let shape = seed.shape().to_vec();
    let centre: Vec<isize> = fp.shape().iter().map(|&n| (n / 2) as isize).collect();
    let mut current = seed.clone();
    loop {
        let next = ArrayD::from_shape_fn(IxDyn(&shape), |p| {
            let mut best = current[&p];
            for (q, &on) in fp.indexed_iter() {
                let neighbour: Option<Vec<usize>> = (0..shape.len())
                    .map(|k| {
                        let at = p[k] as isize + q[k] as isize - centre[k];
                        (0..shape[k] as isize).contains(&at).then_some(at as usize)
                    })
                    .collect();
                if let (true, Some(n)) = (on, neighbour) {
                    let v = current[IxDyn(&n)];
                    best = if dilate { best.max(v) } else { best.min(v) };
                }
            }
            if dilate {
                best.min(mask[&p])
            } else {
                best.max(mask[&p])
            }
        });
        if next == current {
            return current;
        }
        current = next;
    }
}

/// Local maxima as scikit-image defines them, plateau by plateau: a plateau
/// (equal values connected by `connectivity`) is a maximum unless a neighbour
/// is higher or it touches the border (with borders allowed: only when its
/// value is the image's minimum, which the padding holds).
fn naive_maxima(image: &ArrayD<i32>, connectivity: usize, allow_borders: bool) -> ArrayD<u8> {
    let shape = image.shape().to_vec();
    let offsets = Structure::connectivity(shape.len(), connectivity)
        .unwrap()
        .offsets();
    let min = image.iter().copied().min().unwrap();
    let thin = shape.iter().any(|&n| n < 3);
    let mut out = ArrayD::<u8>::zeros(IxDyn(&shape));
    let mut seen = ArrayD::from_elem(IxDyn(&shape), false);
    for (start, &v) in image.indexed_iter() {
        if seen[&start] {
            continue;
        }
        let mut plateau = vec![start.slice().to_vec()];
        seen[&start] = true;
        let mut maximum = !thin || allow_borders;
        let mut i = 0;
        while i < plateau.len() {
            let p = plateau[i].clone();
            i += 1;
            let on_border = p.iter().zip(&shape).any(|(&c, &n)| c == 0 || c + 1 == n);
            if on_border && !allow_borders {
                maximum = false;
            }
            for d in &offsets {
                let Some(q) = neighbour(&p, d, &shape) else {
                    maximum &= v != min;
                    continue;
                };
                let w = image[q.as_slice()];
                if w > v {
                    maximum = false;
                } else if w == v && !seen[q.as_slice()] {
                    seen[q.as_slice()] = true;
                    plateau.push(q);
                }
            }
        }
        for p in plateau {
            out[p.as_slice()] = u8::from(maximum);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn reconstruction_chunked_equals_whole_and_naive(
        (shape, chunks) in shape_and_chunks(8, 6),
        values in proptest::collection::vec(0u8..8, 343),
        drops in proptest::collection::vec(0u8..8, 343),
        connectivity in 1usize..4,
        erosion in any::<bool>(),
        cache in prop_oneof![Just(0usize), Just(1usize << 20)],
    ) {
        let n: usize = shape.iter().product();
        let connectivity = connectivity.min(shape.len());
        let mask = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        let seed: Vec<u8> = values[..n]
            .iter()
            .zip(&drops)
            .map(|(&m, &d)| if erosion { m.saturating_add(d) } else { m.saturating_sub(d) })
            .collect();
        let seed = ArrayD::from_shape_vec(IxDyn(&shape), seed).unwrap();
        let method = if erosion { ReconstructionMethod::Erosion } else { ReconstructionMethod::Dilation };
        let fp = footprint(shape.len(), connectivity);
        let op = Reconstruction::new(method).footprint(fp.clone());
        let whole = op.apply::<u8, u8, f64>(&seed.view(), &mask.view()).unwrap();
        let reference = naive(
            &seed.mapv(f64::from),
            &mask.mapv(f64::from),
            &Structure::connectivity(shape.len(), connectivity).unwrap().to_array(),
            !erosion,
        );
        prop_assert_eq!(&whole, &reference);
        let source = ArraySource::new(seed).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<f64>::new(&shape);
        op.chunks(&chunks)
            .cache(cache)
            .run(&Executor::new(), &source, &ArraySource::new(mask), &mut sink)
            .unwrap();
        prop_assert_eq!(sink.into_array(), whole);
    }

    #[test]
    fn h_extrema_chunked_equals_whole(
        (shape, chunks) in shape_and_chunks(8, 6),
        values in proptest::collection::vec(0u16..40, 343),
        h in 1u16..12,
        minima in any::<bool>(),
        connectivity in 1usize..4,
    ) {
        let n: usize = shape.iter().product();
        let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        let fp = footprint(shape.len(), connectivity.min(shape.len()));
        let h = f64::from(h);
        let op = if minima { HExtrema::minima(h) } else { HExtrema::maxima(h) }.footprint(fp);
        let whole = op.apply(&image.view()).unwrap();
        let source = ArraySource::new(image).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<u8>::new(&shape);
        op.chunks(&chunks).run(&Executor::new(), &source, &mut sink).unwrap();
        prop_assert_eq!(sink.into_array(), whole);
    }

    #[test]
    fn local_maxima_equal_naive_plateaus(
        (shape, chunks) in shape_and_chunks(9, 7),
        values in proptest::collection::vec(-2i32..2, 512),
        connectivity in 1usize..4,
        allow_borders in any::<bool>(),
    ) {
        let n: usize = shape.iter().product();
        let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        let connectivity = connectivity.min(shape.len());
        let op = LocalExtrema::maxima().connectivity(connectivity).allow_borders(allow_borders);
        let whole = op.apply(&image.view()).unwrap();
        prop_assert_eq!(&whole, &naive_maxima(&image, connectivity, allow_borders));
        let source = ArraySource::new(image).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<u8>::new(&shape);
        op.chunks(&chunks).cache(0).run(&Executor::new(), &source, &mut sink).unwrap();
        prop_assert_eq!(sink.into_array(), whole);
    }

    #[test]
    fn local_extrema_chunked_equals_whole(
        (shape, chunks, fp) in shape_and_chunks(9, 7)
            .prop_flat_map(|(s, c)| { let n = s.len(); (Just(s), Just(c), structure(n)) }),
        values in proptest::collection::vec(0u8..3, 512),
        minima in any::<bool>(),
        allow_borders in any::<bool>(),
    ) {
        let n: usize = shape.iter().product();
        let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        let op = if minima { LocalExtrema::minima() } else { LocalExtrema::maxima() }
            .footprint(Footprint::from_structure(&fp))
            .allow_borders(allow_borders);
        let source = ArraySource::new(image.clone()).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<u8>::new(&shape);
        match op.apply(&image.view()) {
            Ok(whole) => {
                op.chunks(&chunks).run(&Executor::new(), &source, &mut sink).unwrap();
                prop_assert_eq!(sink.into_array(), whole);
            }
            Err(_) => prop_assert!(op.chunks(&chunks).run(&Executor::new(), &source, &mut sink).is_err()),
        }
    }
}
