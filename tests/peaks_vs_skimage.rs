//! `peak_local_max` equals scikit-image's, peak for peak and in its order, in
//! memory and from chunked sources at chunkings that include 1-voxel chunks,
//! chunks that do not divide the shape and slabs. Fixtures:
//! fixtures/peaks/make_fixtures.py.

use ndarray::{Array2, ArrayD, ArrayViewD};
use serde_json::Value;
use tesserae::segmentation::{ExcludeBorder, PeakLocalMax, PeakMarkers, peak_local_max};
use tesserae::{ArraySource, Error, Executor, LabelValue, Region, Source, Structure};

use crate::fixture_support::{Raw, case_footprint, chunkings, fixtures, input, manifest, read_raw};

const GROUP: &str = "peaks";

fn configured(case: &Value) -> PeakLocalMax {
    let mut op = PeakLocalMax::new().min_distance(case["min_distance"].as_u64().unwrap() as usize);
    if let Some(t) = case["threshold_abs"].as_f64() {
        op = op.threshold_abs(t);
    }
    if let Some(t) = case["threshold_rel"].as_f64() {
        op = op.threshold_rel(t);
    }
    let border = &case["exclude_border"];
    op = op.exclude_border(match border {
        Value::Bool(b) => ExcludeBorder::from(*b),
        Value::Array(widths) => ExcludeBorder::from(
            widths
                .iter()
                .map(|w| w.as_i64().unwrap())
                .collect::<Vec<_>>(),
        ),
        other => ExcludeBorder::from(other.as_i64().unwrap()),
    });
    if let Some(n) = case["num_peaks"].as_u64() {
        op = op.num_peaks(n as usize);
    }
    if let Some(n) = case["num_peaks_per_label"].as_u64() {
        op = op.num_peaks_per_label(n as usize);
    }
    if let Some(fp) = case_footprint(case) {
        op = op.footprint(fp);
    }
    op.p_norm(case["p_norm"].as_f64().unwrap_or(f64::INFINITY))
}

fn expected(case: &Value, ndim: usize) -> Array2<usize> {
    let count = case["count"].as_u64().unwrap() as usize;
    let path = fixtures(GROUP).join(format!("{}.bin", case["name"].as_str().unwrap()));
    read_raw::<i64>(&path, &[count, ndim])
        .mapv(|v| v as usize)
        .into_dimensionality()
        .unwrap()
}

fn check<T: Raw, L: Raw + LabelValue>(manifest: &Value, case: &Value) {
    let name = case["name"].as_str().unwrap();
    let image: ArrayD<T> = input(GROUP, manifest, case["image"].as_str().unwrap());
    let labels: Option<ArrayD<L>> = case["labels"].as_str().map(|l| input(GROUP, manifest, l));
    let expected = expected(case, image.ndim());
    let op = configured(case);
    let in_memory = op
        .apply(&image.view(), labels.as_ref().map(|l| l.view()).as_ref())
        .unwrap();
    assert_eq!(in_memory, expected, "{name} in memory");
    let exec = Executor::new();
    for chunks in chunkings(image.shape()) {
        let source = ArraySource::new(image.clone())
            .with_chunks(&chunks)
            .unwrap();
        let labels = labels
            .clone()
            .map(|l| ArraySource::new(l).with_chunks(&chunks).unwrap());
        let labels = labels.as_ref().map(|l| l as &dyn Source<Elem = L>);
        assert_eq!(
            op.run(&exec, &source, labels).unwrap(),
            expected,
            "{name} in chunks {chunks:?} (native)"
        );
        // Compute chunks other than the storage chunks.
        let whole = ArraySource::new(image.clone());
        assert_eq!(
            op.clone()
                .chunks(&chunks)
                .run(&exec, &whole, labels)
                .unwrap(),
            expected,
            "{name} in compute chunks {chunks:?}"
        );
    }
}

#[test]
fn every_case_equals_scikit_image() {
    let manifest = manifest(GROUP);
    let cases = manifest["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 83);
    let dtype = |name: &Value| {
        name.as_str().map_or("none".to_string(), |n| {
            manifest["inputs"][n]["dtype"].as_str().unwrap().to_string()
        })
    };
    for case in cases {
        match (
            dtype(&case["image"]).as_str(),
            dtype(&case["labels"]).as_str(),
        ) {
            ("float64", "none") => check::<f64, u8>(&manifest, case),
            ("float32", "none") => check::<f32, u8>(&manifest, case),
            ("uint8", "none") => check::<u8, u8>(&manifest, case),
            ("uint16", "none") => check::<u16, u8>(&manifest, case),
            ("int16", "none") => check::<i16, u8>(&manifest, case),
            ("float64", "uint16") => check::<f64, u16>(&manifest, case),
            ("float64", "int32") => check::<f64, i32>(&manifest, case),
            ("float32", "uint16") => check::<f32, u16>(&manifest, case),
            ("float32", "uint32") => check::<f32, u32>(&manifest, case),
            ("uint8", "uint16") => check::<u8, u16>(&manifest, case),
            ("uint8", "int32") => check::<u8, i32>(&manifest, case),
            ("uint8", "uint32") => check::<u8, u32>(&manifest, case),
            ("uint8", "uint8") => check::<u8, u8>(&manifest, case),
            ("uint16", "int32") => check::<u16, i32>(&manifest, case),
            other => panic!("no dispatch for {other:?} in {}", case["name"]),
        }
    }
}

/// The markers of the peaks equal `ndi.label` of a mask with the peaks set:
/// checked against the crate's own labeling of that mask, at any chunking.
#[test]
fn markers_number_as_ndi_label() {
    let manifest = manifest(GROUP);
    let image: ArrayD<u8> = input(GROUP, &manifest, "levels2_u8");
    let peaks = peak_local_max(&image.view(), 1).unwrap();
    let mut mask = ArrayD::<u8>::zeros(image.shape());
    for row in peaks.rows() {
        mask[[row[0], row[1]]] = 1;
    }
    for connectivity in [1, 2] {
        let structure = Structure::connectivity(2, connectivity).unwrap();
        let (labels, count) = tesserae::label(&mask.view(), &structure).unwrap();
        for chunks in chunkings(image.shape()) {
            let markers = PeakMarkers::with_structure(&peaks.view(), image.shape(), &structure)
                .unwrap()
                .with_chunks(&chunks)
                .unwrap();
            assert_eq!(markers.num_labels(), count);
            assert_eq!(markers.chunk_shape(), chunks.as_slice());
            let whole = markers.read(&Region::full(image.shape())).unwrap();
            assert_eq!(
                whole, labels,
                "connectivity {connectivity}, chunks {chunks:?}"
            );
        }
    }
    let default = PeakMarkers::new(&peaks.view(), image.shape()).unwrap();
    let face = tesserae::label(&mask.view(), &Structure::connectivity(2, 1).unwrap()).unwrap();
    assert_eq!(default.read(&Region::full(image.shape())).unwrap(), face.0);
}

#[test]
fn bad_input_is_refused() {
    let image = ArrayD::from_shape_fn(vec![6, 7], |i| (i[0] * 7 + i[1]) as f32);
    let none = None::<&ArrayViewD<'_, u8>>;
    let invalid = |op: PeakLocalMax| {
        matches!(
            op.apply(&image.view(), none),
            Err(Error::InvalidArgument(_))
        )
    };
    assert!(invalid(PeakLocalMax::new().exclude_border(-1)));
    assert!(invalid(PeakLocalMax::new().exclude_border(vec![1, -2])));
    assert!(invalid(PeakLocalMax::new().exclude_border(vec![1, 2, 3])));
    assert!(invalid(PeakLocalMax::new().p_norm(0.5)));
    assert!(invalid(PeakLocalMax::new().p_norm(f64::NAN)));
    let flat = tesserae::ndfilters::Footprint::size(&[3]).unwrap();
    assert!(invalid(PeakLocalMax::new().footprint(flat)));
    let labels = ArrayD::<u16>::ones(vec![6, 8]);
    assert!(matches!(
        PeakLocalMax::new().apply(&image.view(), Some(&labels.view())),
        Err(Error::InvalidArgument(_))
    ));
    let empty = ArrayD::<f32>::zeros(vec![0, 4]);
    assert!(peak_local_max(&empty.view(), 1).is_err());
    // min_distance 0 is allowed: every voxel above the minimum.
    assert_eq!(peak_local_max(&image.view(), 0).unwrap().nrows(), 41);
    let peaks = Array2::from_shape_vec((1, 2), vec![6usize, 0]).unwrap();
    assert!(PeakMarkers::new(&peaks.view(), &[6, 7]).is_err());
    assert!(PeakMarkers::new(&peaks.view(), &[7, 7, 7]).is_err());
}

#[test]
fn a_huge_min_distance_keeps_the_highest_peak_only() {
    // Two peaks; with a distance beyond the image only the higher one stays,
    // and the neighbourhood is not sized by the distance.
    let mut image = ArrayD::<f32>::zeros(vec![7, 9, 5]);
    image[[2, 3, 1]] = 5.0;
    image[[5, 7, 3]] = 4.0;
    let found = PeakLocalMax::new()
        .min_distance(1_000_000_000)
        .exclude_border(false)
        .apply(&image.view(), None::<&ArrayViewD<'_, u8>>)
        .unwrap();
    assert_eq!(found, ndarray::array![[2usize, 3, 1]]);
}
