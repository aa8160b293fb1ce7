//! Stitching a segmentation made tile by tile: the bundled 3-D nuclei stack is
//! thresholded and cut into tiles, every tile is labeled on its own (as a
//! deep-learning model run per tile would), and the tiles are stitched back.
//!
//! ```sh
//! cargo run --release --example stitch_tiles [IMAGE.tif] [OUT_DIR]
//! ```
//!
//! 1. Touch mode: tiles of 24×48×48 (which do not divide 128) labeled
//!    independently, so every tile numbers its nuclei from 1; stitching merges
//!    the nuclei cut by tile faces and must give exactly the labeling of the
//!    whole image (checked).
//! 2. Overlap mode: tiles of 24×56×56 every 48 voxels (8 voxels of overlap),
//!    each labeled independently, stitched by IoU ≥ 0.5 in the overlaps; the
//!    example reports how many voxels differ from the whole-image labeling.

use std::path::{Path, PathBuf};

use ndarray::ArrayD;
use tesserae::io::{self, WriteOptions};
use tesserae::labels::{Stitch, Tile};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::{ArraySink, ArraySource, ChunkGrid, Error, Executor, Region, Result, Sink, Source};

fn main() {
    let mut args = std::env::args().skip(1);
    let input = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "fixtures/nuclei/nuclei3d.tif".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/stitch_tiles".into()));
    if let Err(e) = run(&input, &out) {
        eprintln!("stitch_tiles: {e}");
        std::process::exit(1);
    }
}

/// What the example found.
#[derive(Debug)]
pub struct Report {
    /// Nuclei in the whole-image labeling.
    pub whole: usize,
    /// Objects of the touching tiles before stitching, and nuclei after.
    pub touch: (usize, usize),
    /// Nuclei after overlap stitching, and voxels whose object differs from the whole labeling.
    pub overlap: (usize, usize),
}

/// Runs both stitching modes on `input` (a u16 stack thresholded at 800) and
/// writes the tiles and the stitched labels into `out`.
pub fn run(input: &Path, out: &Path) -> Result<Report> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let exec = Executor::new();
    let image = io::open::<u16>(input)?;
    let shape = image.shape().to_vec();
    let mask = image
        .read(&Region::full(&shape))?
        .mapv(|v| u8::from(v > 800));
    let label = Label::new(Connectivity::Face);
    let (whole, count) = label.apply(&mask.view())?;
    println!(
        "{}: {} voxels thresholded at 800, {count} nuclei labeled whole",
        input.display(),
        shape
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join("x")
    );

    // Touch mode: every tile labeled on its own, values repeating across tiles.
    let tile_shape = [shape[0], 48, 48];
    let grid = ChunkGrid::new(&shape, &tile_shape)?;
    let mut tiled = ArrayD::<u32>::zeros(shape.clone());
    for index in grid.indices() {
        let region = grid.chunk_region(&index);
        let (local, _) = label.apply(&region.view(&mask).to_owned().view())?;
        region.view_mut(&mut tiled).assign(&local);
    }
    let tiles_path = out.join("tiles.tif");
    write(&tiles_path, &tiled)?;
    println!(
        "labeled {} tiles of {tile_shape:?} independently, wrote {}",
        grid.num_chunks(),
        tiles_path.display()
    );
    let source = ArraySource::new(tiled);
    let stitched = Stitch::touching(&tile_shape).prepare(&exec, &source)?;
    let mut sink = ArraySink::<u32>::new(&shape);
    stitched.write(&exec, &mut sink)?;
    let touch_labels = sink.into_array();
    let touch = (stitched.tile_objects(), stitched.count());
    if touch_labels != whole {
        return Err(Error::Failed(
            "touch stitching differs from the whole-image labeling".into(),
        ));
    }
    let touch_path = out.join("stitched_touch.tif");
    write(&touch_path, &touch_labels)?;
    println!(
        "touch stitching: {} tile objects -> {} nuclei, identical to the whole-image labeling; wrote {}",
        stitched.tile_objects(),
        stitched.count(),
        touch_path.display()
    );

    // Overlap mode: tiles 8 voxels wider than their step, each labeled on its own.
    let step = [shape[0], 48, 48];
    let steps = ChunkGrid::new(&shape, &step)?;
    let mut tiles = Vec::new();
    for index in steps.indices() {
        let start = steps.chunk_region(&index).start().to_vec();
        let end: Vec<usize> = (0..3)
            .map(|k| (start[k] + step[k] + 8).min(shape[k]))
            .collect();
        let region = Region::from_bounds(start.clone(), &end);
        let (local, _) = label.apply(&region.view(&mask).to_owned().view())?;
        tiles.push(Tile::new(start, ArraySource::new(local)));
    }
    let stitched = Stitch::overlapping().iou(0.5).prepare(&exec, &tiles)?;
    let mut sink = ArraySink::<u32>::new(stitched.shape());
    stitched.write(&exec, &mut sink)?;
    let overlap_labels = sink.into_array();
    let differing = differing_voxels(&overlap_labels, &whole);
    let overlap_path = out.join("stitched_overlap.tif");
    write(&overlap_path, &overlap_labels)?;
    println!(
        "overlap stitching: {} tiles overlapping by 8 voxels -> {} nuclei, {differing} voxels \
         assigned differently from the whole-image labeling; wrote {}",
        tiles.len(),
        stitched.count(),
        overlap_path.display()
    );
    Ok(Report {
        whole: count,
        touch,
        overlap: (stitched.count(), differing),
    })
}

/// Voxels where `a` and `b` disagree about which object (or background) they
/// belong to, matching each label of `a` to the label of `b` it shares most voxels with.
fn differing_voxels(a: &ArrayD<u32>, b: &ArrayD<u32>) -> usize {
    let mut shared = std::collections::HashMap::<(u32, u32), usize>::new();
    for (&x, &y) in a.iter().zip(b) {
        *shared.entry((x, y)).or_default() += 1;
    }
    let mut best = std::collections::HashMap::<u32, (usize, u32)>::new();
    for (&(x, y), &n) in &shared {
        let e = best.entry(x).or_insert((n, y));
        if n > e.0 {
            *e = (n, y);
        }
    }
    a.iter()
        .zip(b)
        .filter(|(x, y)| best.get(x).map(|&(_, m)| m) != Some(**y))
        .count()
}

fn write(path: &Path, labels: &ArrayD<u32>) -> Result<()> {
    let options = WriteOptions {
        overwrite: true,
        ..WriteOptions::default()
    };
    let mut sink = io::create::<u32>(path, labels.shape(), labels.shape(), &options)?;
    sink.write(&Region::full(labels.shape()), labels.view())?;
    sink.commit()
}
