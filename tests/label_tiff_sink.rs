//! Uncompressed TiffSink written in place: rows handed out by `write_rows`
//! (the labeler's pass 3) and regions from several threads, in any order,
//! read back exactly; BigTIFF too; a file missing voxels is not committed.

use ndarray::{ArrayD, Dimension};
use rayon::prelude::*;
use tesserae::io::tiff::{TiffSink, TiffSource};
use tesserae::io::{WriteOptions, probe};
use tesserae::{ChunkGrid, Region, Sink, Source};

/// `v = 7 z y x`-like distinct values, wrapping in u32.
fn pattern(shape: &[usize]) -> ArrayD<u32> {
    ArrayD::from_shape_fn(shape, |i| {
        i.slice()
            .iter()
            .fold(17u32, |h, &c| h.wrapping_mul(31).wrapping_add(c as u32))
    })
}

fn read_all(path: &std::path::Path) -> ArrayD<u32> {
    let source = TiffSource::<u32>::open(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

/// Writes `data` chunk by chunk (in reverse order, in parallel) through `write_rows`.
fn write_rows_in_parallel(sink: &TiffSink<u32>, data: &ArrayD<u32>, chunk: &[usize]) {
    let grid = ChunkGrid::new(data.shape(), chunk).unwrap();
    (0..grid.num_chunks()).into_par_iter().rev().for_each(|c| {
        let region = grid.chunk_region(&grid.chunk_index(c));
        let block = region.view(data).to_owned();
        let rows: Vec<&[u32]> = block
            .as_slice()
            .unwrap()
            .chunks(region.shape()[region.ndim() - 1])
            .collect();
        let done = sink.write_rows(&region, &mut |r, row| row.copy_from_slice(rows[r]));
        assert!(matches!(done, Some(Ok(()))));
    });
}

#[test]
fn write_rows_in_any_order_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    for (shape, chunk) in [
        (vec![9, 13, 300], vec![4, 5, 300]),
        (vec![9, 13, 300], vec![2, 13, 300]),
        (vec![5, 1100, 257], vec![3, 1024, 100]),
        (vec![13, 300], vec![13, 7]),
        (vec![2, 3, 5, 7], vec![1, 2, 5, 3]),
    ] {
        let path = dir.path().join("rows.tif");
        let data = pattern(&shape);
        let options = WriteOptions {
            overwrite: true,
            ..Default::default()
        };
        let mut sink = TiffSink::<u32>::create(&path, &shape, &options).unwrap();
        write_rows_in_parallel(&sink, &data, &chunk);
        sink.commit().unwrap();
        assert_eq!(read_all(&path), data, "{shape:?} {chunk:?}");
    }
}

#[test]
fn write_rows_bigtiff() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tif");
    let data = pattern(&[4, 9, 11]);
    let mut sink = TiffSink::<u32>::create(&path, data.shape(), &WriteOptions::default())
        .unwrap()
        .with_bigtiff_threshold(0);
    write_rows_in_parallel(&sink, &data, &[3, 2, 11]);
    sink.commit().unwrap();
    assert!(probe(&path).unwrap().format.starts_with("bigtiff"));
    assert_eq!(read_all(&path), data);
}

#[test]
fn missing_voxels_are_not_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("part.tif");
    let data = pattern(&[3, 4, 5]);
    let mut sink = TiffSink::<u32>::create(&path, data.shape(), &WriteOptions::default()).unwrap();
    let region = Region::new(vec![0, 0, 0], vec![2, 4, 5]);
    sink.write(&region, region.view(&data)).unwrap();
    assert!(sink.commit().is_err());
    drop(sink);
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
