//! Rank filters equal scipy.ndimage's minimum_filter, maximum_filter,
//! median_filter, rank_filter and percentile_filter exactly, for u8, u16,
//! f32 and f64 in 2-D and 3-D, size and footprint forms, even sizes, origins
//! and every boundary mode; in memory and chunked with chunks smaller than
//! the halo; NaN ranks as scipy. Fixtures: fixtures/rank/make_fixtures.py.

use crate::rank_support;

use serde_json::Value;
use tesserae::ndfilters::{RankFilter, RankKind};
use tesserae::{ArraySource, Region, Source};

use rank_support::{FromLe, cases, data, footprint, mode, one_or_many};

fn filter(case: &Value) -> RankFilter {
    let kind = match case["op"].as_str().unwrap() {
        "minimum" => RankKind::Minimum,
        "maximum" => RankKind::Maximum,
        "median" => RankKind::Median,
        "rank" => RankKind::Rank(case["rank_value"].as_i64().unwrap() as isize),
        "percentile" => RankKind::Percentile(case["rank_value"].as_f64().unwrap()),
        other => panic!("unknown rank op {other}"),
    };
    let mut filter = RankFilter::new(kind).mode(mode(case));
    filter = match footprint(case) {
        Some(f) => filter.footprint(f),
        None => filter.size(&one_or_many::<usize>(&case["size"])),
    };
    if let Some(origin) = case.get("origin") {
        filter = filter.origin(&one_or_many::<isize>(origin));
    }
    filter
}

fn check<T: FromLe>(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let (input, expected) = data::<T>(case);
    let filter = filter(case);
    let out = filter.apply(&input.view()).unwrap();
    assert_eq!(out, expected, "{name} in memory");
    let chunks: Vec<usize> = [2, 3, 1][..input.ndim()].to_vec();
    let source = ArraySource::new(input.clone())
        .with_chunks(&chunks)
        .unwrap();
    let chunked = filter
        .lazy(source)
        .unwrap()
        .read(&Region::full(input.shape()))
        .unwrap();
    assert_eq!(chunked, expected, "{name} in chunks {chunks:?}");
}

#[test]
fn rank_filters_equal_scipy() {
    let cases = cases("rank");
    assert!(cases.len() > 100);
    for case in &cases {
        match case["dtype"].as_str().unwrap() {
            "uint8" => check::<u8>(case),
            "uint16" => check::<u16>(case),
            "float32" => check::<f32>(case),
            "float64" => check::<f64>(case),
            other => panic!("unexpected dtype {other}"),
        }
    }
}

#[test]
fn ranks_with_nan_equal_scipy() {
    let cases = cases("nan");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let (input, expected) = data::<f64>(case);
        let filter = filter(case);
        let source = ArraySource::new(input.clone())
            .with_chunks(&[4, 3])
            .unwrap();
        let chunked = filter
            .lazy(source)
            .unwrap()
            .read(&Region::full(input.shape()))
            .unwrap();
        for out in [filter.apply(&input.view()).unwrap(), chunked] {
            let same = out
                .iter()
                .zip(&expected)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
            assert!(same, "{name}: {out:?} != {expected:?}");
        }
    }
}
