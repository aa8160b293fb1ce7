//! A 3-D nuclei z-stack: TIFF → Zarr → chunked labels → regionprops with the
//! voxel size, on the bundled `fixtures/nuclei/nuclei3d.tif` (uint16,
//! 24 x 128 x 128, voxel 2 x 0.5 x 0.5 micron).
//!
//! ```sh
//! cargo run --release --example zstack [STACK.tif] [OUT_DIR]
//! ```
//!
//! Steps: copy the stack into a Zarr array of 8 x 64 x 64 chunks (the voxel
//! size goes along); Otsu's threshold from chunked reductions; label `stack >
//! threshold` chunk by chunk (face connectivity, scipy's numbering) into a
//! Zarr array; scikit-image's `regionprops_table` in physical units (area in
//! cubic microns, centroids in microns) from the recorded voxel size. Writes
//! OUT_DIR (default `target/examples/zstack`)/{stack.zarr, labels.zarr,
//! regionprops.csv, preview.png}.

use std::path::{Path, PathBuf};

use tesserae::io::png::{self, PlaneChoice, Preview};
use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::{Threshold, ThresholdMethod};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::{Error, Executor, RegionProps, Result, Source, rechunk, store};

/// The chunk shape of the Zarr arrays and of every step.
pub const CHUNKS: [usize; 3] = [8, 64, 64];

/// What the example did.
pub struct Done {
    /// The stack as Zarr.
    pub stack: PathBuf,
    /// The voxel size the stack records (z, y, x).
    pub voxel_size: Vec<f64>,
    /// Otsu's threshold.
    pub threshold: f64,
    /// The number of nuclei.
    pub nuclei: usize,
    /// The label image (uint32 Zarr).
    pub labels: PathBuf,
    /// The regionprops table.
    pub table: PathBuf,
    /// The preview (maximum projection with outlines).
    pub preview: PathBuf,
}

/// Converts, segments and measures the z-stack `input` into `out`.
pub fn run(input: &Path, out: &Path) -> Result<Done> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let exec = Executor::new();
    let tiff = io::open::<u16>(input)?;
    let shape = tiff.shape().to_vec();
    if shape.len() != 3 {
        return Err(Error::InvalidArgument(format!(
            "{}: expected a z-stack, not a {}-d image",
            input.display(),
            shape.len()
        )));
    }
    let voxel = tiff.voxel_size();
    let options = WriteOptions {
        overwrite: true,
        voxel_size: voxel.clone(),
        ..WriteOptions::default()
    };

    let stack = out.join("stack.zarr");
    let mut sink = io::create::<u16>(&stack, &shape, &CHUNKS, &options)?;
    store(&exec, &rechunk(tiff, &CHUNKS)?, &mut sink)?;
    let zarr = io::open::<u16>(&stack)?;

    let threshold = Threshold::new(ThresholdMethod::Otsu).compute(&exec, &zarr)?;
    let labels = out.join("labels.zarr");
    let mut sink = io::create::<u32>(&labels, &shape, &CHUNKS, &options)?;
    let nuclei = Label::new(Connectivity::Face)
        .threshold(threshold)
        .chunks(&CHUNKS)
        .run(&exec, &zarr, &mut sink)?;

    let label_image = io::open::<u32>(&labels)?;
    let voxel_size = label_image
        .voxel_size()
        .map_or_else(|| vec![1.0; 3], |v| v.size().to_vec());
    let table = RegionProps::new()
        .properties(&["label", "area", "centroid", "bbox", "intensity_mean"])?
        .chunks(&CHUNKS)
        .run(&exec, &label_image, Some(&zarr))?;
    let table_path = out.join("regionprops.csv");
    let mut csv = table.names().join(",") + "\n";
    for row in 0..table.len() {
        csv += &(table.row_text(row).join(",") + "\n");
    }
    std::fs::write(&table_path, csv).map_err(|e| Error::io(&table_path, e))?;

    let preview = out.join("preview.png");
    let mip = png::plane(&zarr, PlaneChoice::MaxProjection)?;
    let ids = png::plane(&label_image, PlaneChoice::MaxProjection)?;
    Preview::new().write(&mip.view(), Some(&ids.view()), &preview)?;
    Ok(Done {
        stack,
        voxel_size,
        threshold,
        nuclei,
        labels,
        table: table_path,
        preview,
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let input = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "fixtures/nuclei/nuclei3d.tif".into()),
    );
    let out = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/examples/zstack".into()),
    );
    match run(&input, &out) {
        Ok(done) => {
            println!(
                "wrote {} ({CHUNKS:?} chunks, voxel size {:?} micron)",
                done.stack.display(),
                done.voxel_size
            );
            println!(
                "Otsu threshold {}, {} nuclei labeled chunk by chunk",
                done.threshold, done.nuclei
            );
            println!("wrote {} (uint32 labels)", done.labels.display());
            println!(
                "wrote {} (area in cubic microns, centroids in microns)",
                done.table.display()
            );
            println!("wrote {} (maximum projection)", done.preview.display());
        }
        Err(e) => {
            eprintln!("zstack: {e}");
            std::process::exit(1);
        }
    }
}
