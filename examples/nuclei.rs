//! The nuclei quick start: segment the bundled 3-D nuclei stack, measure every
//! nucleus and write a label image, a measurements table and a PNG preview.
//!
//! ```sh
//! cargo run --release --example nuclei [IMAGE.tif] [OUT_DIR] [THRESHOLD]
//! ```
//!
//! Steps: threshold (default 800, between the fixture's background near 250 and
//! its nuclei at 1000–2000), label the connected components (face connectivity,
//! as scipy's default) chunk by chunk into a Zarr array, measure each label in one
//! pass, write the table (scikit-image's column names) and a maximum-projection
//! preview with outlines.

use std::path::{Path, PathBuf};

use tesserae::io::png::{self, PlaneChoice};
use tesserae::io::{self, WriteOptions};
use tesserae::ndmeasure::{Connectivity, Label, Measure, find_objects_chunked};
use tesserae::{Executor, Result, Source};

/// What the example did.
pub struct Done {
    /// The number of nuclei.
    pub nuclei: usize,
    /// The label image (uint32 Zarr).
    pub labels: PathBuf,
    /// The measurements table.
    pub table: PathBuf,
    /// The preview.
    pub preview: PathBuf,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let input = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "fixtures/nuclei/nuclei3d.tif".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "target/quickstart".into()));
    let threshold = match args.next().map(|t| t.parse::<f64>()) {
        None => 800.0,
        Some(Ok(t)) => t,
        Some(Err(_)) => {
            eprintln!("nuclei: the threshold must be a number");
            std::process::exit(2);
        }
    };
    match run(&input, &out, threshold) {
        Ok(done) => {
            println!(
                "{}: threshold {threshold}, {} nuclei",
                input.display(),
                done.nuclei
            );
            println!("wrote {}", done.labels.display());
            println!("wrote {}", done.table.display());
            println!(
                "wrote {} (maximum projection with nucleus outlines)",
                done.preview.display()
            );
        }
        Err(e) => {
            eprintln!("nuclei: {e}");
            std::process::exit(1);
        }
    }
}

/// Segments `input` at `threshold` and writes the labels, table and preview into `out`.
pub fn run(input: &Path, out: &Path, threshold: f64) -> Result<Done> {
    std::fs::create_dir_all(out)
        .map_err(|e| tesserae::Error::Failed(format!("{}: {e}", out.display())))?;
    let exec = Executor::new();
    let image = io::open::<u16>(input)?;
    let shape = image.shape().to_vec();
    let chunks: Vec<usize> = shape.iter().map(|&n| n.min(64)).collect();

    let labels_path = out.join("labels.zarr");
    let options = WriteOptions {
        overwrite: true,
        voxel_size: image.voxel_size(),
        ..WriteOptions::default()
    };
    let mut sink = io::create::<u32>(&labels_path, &shape, &chunks, &options)?;
    let nuclei = Label::new(Connectivity::Face)
        .threshold(threshold)
        .chunks(&chunks)
        .run(&exec, &image, &mut sink)?;

    let labels = io::open::<u32>(&labels_path)?;
    let table_path = out.join("measurements.csv");
    write_table(&exec, &image, &labels, &chunks, &table_path)?;

    let preview_path = out.join("preview.png");
    let mip = png::plane(&image, PlaneChoice::MaxProjection)?;
    let label_mip = png::plane(&labels, PlaneChoice::MaxProjection)?;
    png::write_preview(&mip.view(), Some(&label_mip.view()), &preview_path)?;
    Ok(Done {
        nuclei,
        labels: labels_path,
        table: table_path,
        preview: preview_path,
    })
}

/// One row per nucleus: scikit-image's `label`, `area`, `bbox-*`, `intensity_mean`,
/// `centroid_weighted-*`, plus the volume in cubic microns when the voxel size is known.
fn write_table(
    exec: &Executor,
    image: &impl Source<Elem = u16>,
    labels: &impl Source<Elem = u32>,
    chunks: &[usize],
    path: &Path,
) -> Result<()> {
    let stats =
        Measure::new()
            .center_of_mass(true)
            .chunks(chunks)
            .run(exec, image, Some(labels))?;
    let boxes = find_objects_chunked(exec, labels, Some(chunks))?;
    let voxel_volume: Option<f64> = image.voxel_size().map(|v| v.size().iter().product());
    let ndim = image.ndim();
    let mut table =
        csv::Writer::from_path(path).map_err(|e| tesserae::Error::Failed(e.to_string()))?;
    let mut header = vec!["label".to_string(), "area".to_string()];
    header.extend((0..2 * ndim).map(|i| format!("bbox-{i}")));
    header.push("intensity_mean".into());
    header.extend((0..ndim).map(|i| format!("centroid_weighted-{i}")));
    if voxel_volume.is_some() {
        header.push("volume_um3".into());
    }
    let mut rows = vec![header];
    for (label, region) in boxes {
        let Some(s) = stats.get(label) else { continue };
        let mut row = vec![label.to_string(), s.count().to_string()];
        row.extend(
            region
                .start()
                .iter()
                .chain(&region.end())
                .map(|v| v.to_string()),
        );
        row.push(format!("{:.3}", s.mean()));
        row.extend(s.center_of_mass().iter().map(|c| format!("{c:.3}")));
        if let Some(v) = voxel_volume {
            row.push(format!("{:.3}", s.count() as f64 * v));
        }
        rows.push(row);
    }
    for row in rows {
        table
            .write_record(&row)
            .map_err(|e| tesserae::Error::Failed(e.to_string()))?;
    }
    table.flush().map_err(|e| tesserae::Error::io(path, e))
}
