//! Chunked labeling of a large procedural volume (never materialised) into a
//! sink that keeps nothing: the peak memory stays bounded by the chunks in
//! flight and the per-chunk state. Ignored by default (about a minute):
//!
//!     cargo test --release --test suite label_out_of_core -- --ignored --nocapture

use ndarray::{ArrayD, ArrayViewD};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::{Executor, Region, Sink, Source};

/// A 3D checkerboard of `side`-voxel cubes, computed on demand.
struct Checkerboard {
    shape: Vec<usize>,
    chunks: Vec<usize>,
    side: usize,
}

impl Source for Checkerboard {
    type Elem = u8;
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }
    fn read(&self, region: &Region) -> tesserae::Result<ArrayD<u8>> {
        let (start, side) = (region.start().to_vec(), self.side);
        Ok(ArrayD::from_shape_fn(region.shape().to_vec(), |i| {
            let cube: usize = (0..3).map(|k| (start[k] + i[k]) / side).sum();
            u8::from(cube.is_multiple_of(2))
        }))
    }
}

/// Checks the labels' range and counts what it is given.
struct CheckingSink {
    shape: Vec<usize>,
    max: usize,
}

impl Sink for CheckingSink {
    type Elem = u32;
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn chunk_shape(&self) -> &[usize] {
        &self.shape
    }
    fn write(&self, _region: &Region, data: ArrayViewD<'_, u32>) -> tesserae::Result<()> {
        assert!(data.iter().all(|&l| (l as usize) <= self.max));
        Ok(())
    }
    fn commit(&mut self) -> tesserae::Result<()> {
        Ok(())
    }
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[test]
#[ignore]
fn label_a_gigavoxel_volume_in_bounded_memory() {
    let n = 1024;
    let side = 16;
    let cubes = (n / side) * (n / side) * (n / side);
    let source = Checkerboard {
        shape: vec![n; 3],
        chunks: vec![128; 3],
        side,
    };
    let exec = Executor::new().threads(2).unwrap();
    for (connectivity, expected) in [(Connectivity::Face, cubes / 2), (Connectivity::Full, 1)] {
        let mut sink = CheckingSink {
            shape: vec![n; 3],
            max: expected,
        };
        let start = std::time::Instant::now();
        let count = Label::new(connectivity)
            .run(&exec, &source, &mut sink)
            .unwrap();
        assert_eq!(count, expected);
        eprintln!(
            "{connectivity:?}: {count} objects in {:.1} s, peak RSS {:?} MiB",
            start.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
}
