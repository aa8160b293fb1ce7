//! Chunked labeling of a large procedural volume (never materialised) into a
//! sink that keeps nothing: the peak memory stays bounded by the label cache,
//! the chunks in flight and the per-chunk state, far below the size of the
//! labels. The labeling runs in a child process (this test binary, filtered to
//! [`child`]) so that its peak resident memory is its own, not that of the
//! other tests running beside it.

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
        let (start, shape, side) = (region.start(), region.shape(), self.side);
        let mut data = Vec::with_capacity(region.len());
        for z in start[0]..start[0] + shape[0] {
            for y in start[1]..start[1] + shape[1] {
                let lead = z / side + y / side;
                data.extend(
                    (start[2]..start[2] + shape[2]).map(|x| u8::from((lead + x / side) % 2 == 0)),
                );
            }
        }
        Ok(ArrayD::from_shape_vec(shape.to_vec(), data).expect("one value per voxel"))
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

/// The side of the labeled volume, its chunks and the label cache.
const SIDE: usize = 512;
const CHUNK: usize = 64;
const CACHE: usize = 32 << 20;

/// The peak resident memory of a labeling stays under a quarter of the
/// uint32 labels it writes (512 MiB) and under the uint8 input (128 MiB):
/// neither the image nor its labels are ever held whole.
#[test]
fn label_a_large_volume_in_bounded_memory() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "label_out_of_core::child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .args(["--test-threads", "1"])
        .env("TESSERAE_OUT_OF_CORE_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}");
    let peaks: Vec<f64> = stdout
        .lines()
        .filter_map(|l| l.split_once("peak MiB "))
        .map(|(_, v)| v.trim().parse().unwrap())
        .collect();
    assert_eq!(peaks.len(), 2, "child output: {stdout}");
    let labels_mib = (SIDE * SIDE * SIDE * 4) as f64 / (1 << 20) as f64;
    for peak in peaks {
        assert!(peak < labels_mib / 4.0, "peak RSS {peak} MiB");
    }
}

/// The labeling [`label_a_large_volume_in_bounded_memory`] measures, run in
/// a process of its own; prints its peak resident memory after each
/// connectivity.
#[test]
#[ignore]
fn child() {
    if std::env::var_os("TESSERAE_OUT_OF_CORE_CHILD").is_none() {
        return;
    }
    let side = 16;
    let cubes = (SIDE / side).pow(3);
    let source = Checkerboard {
        shape: vec![SIDE; 3],
        chunks: vec![CHUNK; 3],
        side,
    };
    let exec = Executor::new().threads(2).unwrap();
    for (connectivity, expected) in [(Connectivity::Face, cubes / 2), (Connectivity::Full, 1)] {
        let mut sink = CheckingSink {
            shape: vec![SIDE; 3],
            max: expected,
        };
        let count = Label::new(connectivity)
            .cache(CACHE)
            .run(&exec, &source, &mut sink)
            .unwrap();
        assert_eq!(count, expected);
        println!("peak MiB {}", peak_rss_mib().unwrap());
    }
}
