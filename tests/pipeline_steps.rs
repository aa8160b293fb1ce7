//! Every step of the nuclei pipeline, run with the library on the bundled
//! fixtures, against scipy.ndimage + scikit-image 0.26
//! (fixtures/pipeline/make_fixtures.py): exact for the smoothed image, the
//! threshold, masks and labels; 1e-6 relative for the regionprops table.

use crate::pipeline_support;

use ndarray::{ArrayD, Axis};
use pipeline_support::{CASES, assert_tables_match, fixture, input, read, summary};
use tesserae::labels::{RemoveObjects, clear_border};
use tesserae::ndfilters::{FilterOutput, GaussianFilter, Threshold, ThresholdMethod};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::ndmorph::FillHoles;
use tesserae::{ArraySource, Executor, RegionProps};

fn check_case<T: FilterOutput>(case: &str, clear: bool, spacing: &[f64]) {
    let expected = summary(case);
    let image = read::<T>(&input(case));
    assert_eq!(
        image.shape().len(),
        expected["shape"].as_array().unwrap().len()
    );

    // gaussian, in the input's type (scipy's default output).
    let smoothed: ArrayD<T> = GaussianFilter::new(1.0).apply(&image.view()).unwrap();
    let sum: u128 = smoothed.iter().map(|v| v.as_f64() as u128).sum();
    let squares: u128 = smoothed
        .iter()
        .map(|v| (v.as_f64() as u128) * (v.as_f64() as u128))
        .sum();
    assert_eq!(
        sum,
        expected["smoothed_sum"].as_u64().unwrap() as u128,
        "{case}: sum"
    );
    assert_eq!(
        squares,
        expected["smoothed_sum_squares"].as_u64().unwrap() as u128,
        "{case}: sum of squares"
    );
    if case != "nuclei3d" {
        assert_eq!(
            smoothed,
            read::<T>(&fixture(&format!("{case}_smoothed.tif"))),
            "{case}"
        );
    } else {
        let z = image.shape()[0] / 2;
        let plane = smoothed.index_axis(Axis(0), z).to_owned();
        assert_eq!(
            plane,
            read::<T>(&fixture(&format!("{case}_smoothed_z{z}.tif")))
        );
    }

    // threshold: Otsu's exactly; values equal to it are not in the mask (`>`).
    let t = Threshold::new(ThresholdMethod::Otsu)
        .apply(&smoothed.view())
        .unwrap();
    assert_eq!(
        t,
        expected["threshold"].as_f64().unwrap(),
        "{case}: threshold"
    );
    let at = smoothed.iter().filter(|v| v.as_f64() == t).count();
    assert_eq!(at as u64, expected["at_threshold"].as_u64().unwrap());
    let mask = smoothed.mapv(|v| u8::from(v.as_f64() > t));
    assert_eq!(
        mask,
        read::<u8>(&fixture(&format!("{case}_mask.tif"))),
        "{case}: mask"
    );

    let filled = FillHoles::new().apply(&mask.view()).unwrap();
    assert_eq!(
        filled,
        read::<u8>(&fixture(&format!("{case}_filled.tif"))),
        "{case}: filled"
    );

    let cleaned = RemoveObjects::small(30)
        .connectivity(Connectivity::Face)
        .apply_mask(&filled.view())
        .unwrap();
    assert_eq!(
        cleaned,
        read::<u8>(&fixture(&format!("{case}_cleaned.tif"))),
        "{case}: cleaned"
    );

    let last = if clear {
        let cleared = clear_border(&cleaned.view(), 0, 0u8).unwrap();
        assert_eq!(
            cleared,
            read::<u8>(&fixture(&format!("{case}_cleared.tif"))),
            "{case}"
        );
        cleared
    } else {
        cleaned
    };

    let (labels, count) = Label::new(Connectivity::Face).apply(&last.view()).unwrap();
    assert_eq!(count as u64, expected["objects"].as_u64().unwrap());
    assert_eq!(
        labels,
        read::<u32>(&fixture(&format!("{case}_labels.tif"))),
        "{case}: labels"
    );

    let table = RegionProps::new()
        .properties(&["label", "area", "centroid", "intensity_mean"])
        .unwrap()
        .spacing(spacing)
        .run(
            &Executor::new(),
            &ArraySource::new(labels),
            Some(&ArraySource::new(image)),
        )
        .unwrap();
    let mut text = table.names().join(",") + "\n";
    for row in 0..table.len() {
        text += &(table.row_text(row).join(",") + "\n");
    }
    let expected_table =
        std::fs::read_to_string(fixture(&format!("{case}_regionprops.csv"))).unwrap();
    assert_tables_match(&text, &expected_table);
}

#[test]
fn every_step_matches_scipy_and_scikit_image() {
    for (case, clear, spacing) in CASES {
        let dtype = tesserae::io::probe(&input(case)).unwrap().dtype;
        match dtype {
            tesserae::DataType::U8 => check_case::<u8>(case, clear, spacing),
            tesserae::DataType::U16 => check_case::<u16>(case, clear, spacing),
            other => panic!("{case}: unexpected {other}"),
        }
    }
}
