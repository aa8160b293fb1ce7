//! Chunked rank filters and grey morphology equal the single-chunk result,
//! for random images, footprints, origins, modes and chunkings (chunks down
//! to one voxel, smaller than the halo).

use ndarray::{ArrayD, Dimension};
use proptest::prelude::*;
use tesserae::engine::BoundaryMode;
use tesserae::ndfilters::{Footprint, RankFilter, RankKind};
use tesserae::ndmorph::{GreyMorphology, GreyOp};
use tesserae::{ArraySource, Region, Source};

/// An image shape, a footprint with an origin, and a chunk shape.
#[derive(Debug, Clone)]
struct Setup {
    image: ArrayD<u8>,
    footprint: Footprint,
    chunks: Vec<usize>,
    mode: BoundaryMode,
}

fn setup() -> impl Strategy<Value = Setup> {
    (1usize..=3)
        .prop_flat_map(|ndim| {
            (
                proptest::collection::vec(1usize..=7, ndim),
                proptest::collection::vec(1usize..=4, ndim),
                any::<u64>(),
                0usize..5,
            )
        })
        .prop_map(|(shape, fshape, seed, m)| {
            let mut state = seed | 1;
            let mut next = move || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let image = ArrayD::from_shape_simple_fn(shape.clone(), || (next() % 6) as u8);
            let mut mask = ArrayD::from_shape_simple_fn(fshape.clone(), || next() % 3 != 0);
            mask.as_slice_mut().unwrap()[0] = true;
            let origin: Vec<isize> = fshape
                .iter()
                .map(|&n| {
                    let n = n as isize;
                    (next() % n as u64) as isize - n / 2
                })
                .collect();
            let footprint = Footprint::new(mask.view())
                .unwrap()
                .with_origin(&origin)
                .unwrap();
            let chunks = shape.iter().map(|&n| 1 + (next() as usize) % n).collect();
            let mode = [
                BoundaryMode::Reflect,
                BoundaryMode::Mirror,
                BoundaryMode::Nearest,
                BoundaryMode::Wrap,
                BoundaryMode::Constant(3.0),
            ][m];
            Setup {
                image,
                footprint,
                chunks,
                mode,
            }
        })
}

fn chunked<S: Source<Elem = u8>>(lazy: S, shape: &[usize]) -> ArrayD<u8> {
    lazy.read(&Region::full(shape)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn rank_filters_are_chunk_invariant(s in setup(), k in 0usize..5, box_footprint in any::<bool>()) {
        let kind = [RankKind::Minimum, RankKind::Maximum, RankKind::Median, RankKind::Rank(-1), RankKind::Percentile(30.0)][k];
        let mut filter = RankFilter::new(kind).mode(s.mode);
        filter = if box_footprint {
            filter.size(s.footprint.mask().shape()).origin(s.footprint.origin())
        } else {
            filter.footprint(s.footprint.clone())
        };
        let whole = filter.apply(&s.image.view()).unwrap();
        let source = ArraySource::new(s.image.clone()).with_chunks(&s.chunks).unwrap();
        prop_assert_eq!(chunked(filter.lazy(source).unwrap(), s.image.shape()), whole);
    }

    #[test]
    fn grey_morphology_is_chunk_invariant(s in setup(), k in 0usize..8, non_flat in any::<bool>()) {
        let mut op = GreyMorphology::new(GreyOp::ALL[k]).mode(s.mode).footprint(s.footprint.clone());
        if non_flat {
            let structure = ArrayD::from_shape_fn(s.footprint.mask().shape(), |i| (i.as_array_view().sum() % 3) as f64);
            op = op.structure(structure.view());
        }
        let whole = op.apply(&s.image.view()).unwrap();
        let source = ArraySource::new(s.image.clone()).with_chunks(&s.chunks).unwrap();
        prop_assert_eq!(chunked(op.lazy(source).unwrap(), s.image.shape()), whole);
    }
}
