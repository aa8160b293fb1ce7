//! `ArraySink` under concurrent writes: disjoint regions land in place from
//! many threads, overlapping regions are never torn, and in-place row writes
//! equal block writes.

use ndarray::ArrayD;
use rayon::prelude::*;
use tesserae::{ArraySink, ChunkGrid, Region, Sink};

#[test]
fn disjoint_chunks_written_in_parallel_fill_the_array() {
    let shape = [9usize, 10, 11];
    let grid = ChunkGrid::new(&shape, &[4, 3, 5]).expect("a valid grid");
    let sink = ArraySink::<u32>::new(&shape);
    (0..grid.num_chunks()).into_par_iter().for_each(|c| {
        let region = grid.chunk_region(&grid.chunk_index(c));
        let block = ArrayD::from_shape_fn(region.shape().to_vec(), |i| {
            let g: Vec<usize> = (0..3).map(|k| region.start()[k] + i[k]).collect();
            (g[0] * 110 + g[1] * 11 + g[2]) as u32
        });
        sink.write(&region, block.view())
            .expect("a write inside the array");
    });
    let expected =
        ArrayD::from_shape_fn(shape.to_vec(), |i| (i[0] * 110 + i[1] * 11 + i[2]) as u32);
    assert_eq!(sink.into_array(), expected);
}

#[test]
fn overlapping_writes_are_never_torn() {
    let shape = [16usize, 64, 64];
    let sink = ArraySink::<u32>::new(&shape);
    let a = Region::new(vec![0, 0, 0], vec![12, 40, 40]);
    let b = Region::new(vec![4, 24, 24], vec![12, 40, 40]);
    let common = a.intersect(&b).expect("overlapping regions");
    (0..64u32).into_par_iter().for_each(|i| {
        let region = if i % 2 == 0 { &a } else { &b };
        let block = ArrayD::from_elem(region.shape().to_vec(), i);
        if i % 4 < 2 {
            sink.write(region, block.view())
                .expect("a write inside the array");
        } else {
            let done = sink.write_rows(region, &mut |_, row| row.fill(i));
            assert!(matches!(done, Some(Ok(()))));
        }
    });
    let out = sink.into_array();
    let part = common.view(&out);
    let first = part
        .iter()
        .next()
        .copied()
        .expect("a non-empty intersection");
    assert!(part.iter().all(|&v| v == first), "a torn overlap");
}

#[test]
fn row_writes_equal_block_writes_and_check_the_region() {
    let shape = [5usize, 6, 7];
    let region = Region::new(vec![1, 2, 3], vec![3, 4, 4]);
    let block = ArrayD::from_shape_fn(region.shape().to_vec(), |i| {
        (i[0] * 16 + i[1] * 4 + i[2]) as u16
    });
    let by_block = ArraySink::<u16>::new(&shape);
    by_block
        .write(&region, block.view())
        .expect("a write inside the array");
    let by_rows = ArraySink::<u16>::new(&shape);
    let done = by_rows.write_rows(&region, &mut |r, row| {
        for (x, v) in row.iter_mut().enumerate() {
            *v = ((r / 4) * 16 + (r % 4) * 4 + x) as u16;
        }
    });
    assert!(matches!(done, Some(Ok(()))));
    assert_eq!(by_rows.into_array(), by_block.into_array());

    let sink = ArraySink::<u8>::new(&shape);
    let outside = Region::new(vec![3, 0, 0], vec![3, 6, 7]);
    assert!(matches!(
        sink.write_rows(&outside, &mut |_, _| {}),
        Some(Err(_))
    ));
}
