//! Bad structures, ranks and shapes give typed errors, never panics.

use ndarray::{ArrayD, IxDyn};
use tesserae::ndmeasure::{Connectivity, Label, Structure, label};
use tesserae::{ArraySink, ArraySource, Error, Executor};

#[test]
fn non_symmetric_structure_is_rejected() {
    let mut mask = ArrayD::from_elem(IxDyn(&[3, 3, 3]), false);
    mask[[1, 1, 1]] = true;
    mask[[0, 1, 1]] = true;
    assert!(matches!(
        Structure::new(mask.view()),
        Err(Error::InvalidArgument(_))
    ));
    mask[[2, 1, 1]] = true;
    assert!(Structure::new(mask.view()).is_ok());
}

#[test]
fn wrong_size_structure_is_rejected() {
    for shape in [vec![3, 4], vec![5, 5], vec![1], vec![]] {
        let mask = ArrayD::from_elem(IxDyn(&shape), true);
        assert!(
            matches!(Structure::new(mask.view()), Err(Error::InvalidArgument(_))),
            "{shape:?}"
        );
    }
    assert!(matches!(
        Structure::connectivity(0, 1),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Structure::connectivity(2, 0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn structure_of_another_rank_is_rejected() {
    let image = ArrayD::<u8>::ones(IxDyn(&[4, 4]));
    let err = label(&image.view(), &Structure::full(3).unwrap()).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let scalar = ArrayD::<u8>::ones(IxDyn(&[]));
    assert!(
        Label::new(Connectivity::Face)
            .apply(&scalar.view())
            .is_err()
    );
}

#[test]
fn bad_sink_or_chunks_are_rejected() {
    let exec = Executor::new();
    let source = ArraySource::new(ArrayD::<u8>::ones(IxDyn(&[4, 4])));
    let mut sink = ArraySink::<u32>::new(&[4, 5]);
    let err = Label::new(Connectivity::Face)
        .run(&exec, &source, &mut sink)
        .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let mut sink = ArraySink::<u32>::new(&[4, 4]);
    let err = Label::new(Connectivity::Face)
        .chunks(&[0, 2])
        .run(&exec, &source, &mut sink)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let err = Label::new(Connectivity::Face)
        .chunks(&[2])
        .run(&exec, &source, &mut sink)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

#[test]
fn empty_images_have_no_objects() {
    let image = ArrayD::<u8>::ones(IxDyn(&[0, 5]));
    let (labels, count) = Label::new(Connectivity::Full).apply(&image.view()).unwrap();
    assert_eq!((labels.shape(), count), (&[0, 5][..], 0));
    let source = ArraySource::new(image);
    let mut sink = ArraySink::<u32>::new(&[0, 5]);
    let count = Label::new(Connectivity::Full)
        .run(&Executor::new(), &source, &mut sink)
        .unwrap();
    assert_eq!(count, 0);
}

#[test]
fn prepared_labels_write_to_either_label_type() {
    let image = ArrayD::from_shape_fn(IxDyn(&[5, 7]), |i| ((i[0] * 7 + i[1]) % 3 == 0) as u8);
    let source = ArraySource::new(image.clone())
        .with_chunks(&[2, 3])
        .unwrap();
    let exec = Executor::new();
    let label = Label::new(Connectivity::Face);
    let (whole, n) = label.apply(&image.view()).unwrap();
    let prepared = label.prepare(&exec, &source).unwrap();
    assert_eq!(prepared.count(), n);
    let mut wide = ArraySink::<u64>::new(&[5, 7]);
    assert_eq!(prepared.write(&exec, &mut wide).unwrap(), n);
    assert_eq!(wide.into_array(), whole.mapv(u64::from));
    let prepared = label.prepare(&exec, &source).unwrap();
    let mut wrong = ArraySink::<u32>::new(&[5, 6]);
    assert!(matches!(
        prepared.write(&exec, &mut wrong),
        Err(Error::ShapeMismatch { .. })
    ));
}
