//! The seeded watershed read from chunked sources equals the in-memory one,
//! for random images, markers, masks, connectivities, compactness and lines,
//! at random chunk shapes (1-voxel chunks and chunks that do not divide the
//! shape included).

use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use tesserae::segmentation::Watershed;
use tesserae::{ArraySink, ArraySource, Executor, Source};

use crate::common::shape_and_chunks;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn chunked_equals_whole(
        (shape, chunks) in shape_and_chunks(10, 6),
        values in proptest::collection::vec(0u8..6, 216),
        seeds in proptest::collection::vec(0u16..30, 216),
        inside in proptest::collection::vec(proptest::bool::weighted(0.8), 216),
        masked in any::<bool>(),
        connectivity in 1usize..4,
        compactness in prop_oneof![Just(0.0), Just(0.5)],
        line in any::<bool>(),
    ) {
        let n: usize = shape.iter().product();
        let image = ArrayD::from_shape_vec(IxDyn(&shape), values[..n].to_vec()).unwrap();
        let markers: Vec<u16> = seeds[..n].iter().map(|&s| if s < 5 { s } else { 0 }).collect();
        let markers = ArrayD::from_shape_vec(IxDyn(&shape), markers).unwrap();
        let mask = ArrayD::from_shape_vec(IxDyn(&shape), inside[..n].to_vec()).unwrap();
        let op = Watershed::new()
            .connectivity(connectivity)
            .compactness(compactness)
            .watershed_line(line);
        let whole = op
            .apply(&image.view(), Some(&markers.view()), masked.then(|| mask.view()).as_ref())
            .unwrap();
        let mask = ArraySource::new(mask.mapv(u8::from)).with_chunks(&chunks).unwrap();
        let mut sink = ArraySink::<u16>::new(&shape).with_chunks(&chunks).unwrap();
        op.run(
            &Executor::new(),
            &ArraySource::new(image).with_chunks(&chunks).unwrap(),
            Some(&ArraySource::new(markers).with_chunks(&chunks).unwrap()),
            masked.then_some(&mask as &dyn Source<Elem = u8>),
            &mut sink,
        )
        .unwrap();
        prop_assert_eq!(sink.into_array(), whole);
    }
}
