//! `tesserae filter` with the rank filters and `tesserae morph` with the grey
//! operations write what the library computes (checked against scipy in
//! tests/rank_vs_scipy.rs and tests/grey_vs_scipy.rs), at any chunking.

use std::path::Path;

use assert_cmd::Command;
use ndarray::ArrayD;
use tesserae::ndfilters::{Footprint, RankFilter, RankKind};
use tesserae::ndmeasure::Structure;
use tesserae::ndmorph::{GreyMorphology, GreyOp};
use tesserae::{BoundaryMode, Region, Source, io};

const NUCLEI2D: &str = "fixtures/nuclei/nuclei2d.tif";

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

fn read(path: &Path) -> ArrayD<u8> {
    let source = io::open::<u8>(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

#[test]
fn rank_filters_and_grey_morphology_match_the_library() {
    let image = read(Path::new(NUCLEI2D));
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], out: &str| {
        let out = dir.path().join(out);
        let mut cmd = tesserae();
        cmd.args(args).arg(&out);
        cmd.assert().success();
        read(&out)
    };
    let cases: [(&[&str], RankKind, &[usize], BoundaryMode); 3] = [
        (
            &[
                "filter", "median", NUCLEI2D, "--size", "3", "--chunks", "17,23",
            ],
            RankKind::Median,
            &[3],
            BoundaryMode::Reflect,
        ),
        (
            &[
                "filter",
                "percentile",
                NUCLEI2D,
                "--size",
                "3,5",
                "--percentile",
                "20",
                "--mode",
                "constant",
                "--cval",
                "7",
            ],
            RankKind::Percentile(20.0),
            &[3, 5],
            BoundaryMode::Constant(7.0),
        ),
        (
            &[
                "filter", "rank", NUCLEI2D, "--size", "4", "--rank", "-2", "--mode", "wrap",
                "--chunks", "5,64",
            ],
            RankKind::Rank(-2),
            &[4],
            BoundaryMode::Wrap,
        ),
    ];
    for (i, (args, kind, size, mode)) in cases.into_iter().enumerate() {
        let expected = RankFilter::new(kind)
            .size(size)
            .mode(mode)
            .apply(&image.view())
            .unwrap();
        assert_eq!(run(args, &format!("rank{i}.tif")), expected, "{args:?}");
    }
    let opening = GreyMorphology::new(GreyOp::Opening)
        .size(&[3])
        .apply(&image.view())
        .unwrap();
    assert_eq!(
        run(
            &[
                "morph",
                "grey-opening",
                NUCLEI2D,
                "--size",
                "3",
                "--chunks",
                "10,10"
            ],
            "go.tif"
        ),
        opening
    );
    let cross = Footprint::from_structure(&Structure::connectivity(2, 1).unwrap());
    let tophat = GreyMorphology::new(GreyOp::WhiteTophat)
        .footprint(cross)
        .mode(BoundaryMode::Nearest)
        .apply(&image.view())
        .unwrap();
    assert_eq!(
        run(
            &[
                "morph",
                "white-tophat",
                NUCLEI2D,
                "-c",
                "1",
                "--mode",
                "nearest"
            ],
            "wt.tif"
        ),
        tophat
    );
}

#[test]
fn rank_filters_refuse_missing_parameters_and_other_output_types() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tif");
    let cases: [&[&str]; 3] = [
        &["filter", "median", NUCLEI2D],
        &["filter", "rank", NUCLEI2D, "--size", "3"],
        &[
            "filter", "minimum", NUCLEI2D, "--size", "3", "--dtype", "float32",
        ],
    ];
    for args in cases {
        tesserae().args(args).arg(&out).assert().code(2);
        assert!(!out.exists(), "{args:?} left an output");
    }
}
