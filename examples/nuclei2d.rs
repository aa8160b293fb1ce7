//! 2-D nuclei: threshold → label → measurements CSV → preview, on the bundled
//! `fixtures/nuclei/nuclei2d.tif` (uint8, 256 x 256).
//!
//! ```sh
//! cargo run --release --example nuclei2d [IMAGE.tif] [OUT_DIR]
//! ```
//!
//! Steps: Otsu's threshold (scikit-image's `threshold_otsu`), connected
//! components of `image > threshold` with face connectivity (scipy's
//! numbering), scikit-image's `regionprops_table` (label, area, centroid,
//! eccentricity, intensity_mean) written as CSV, and a preview with every
//! nucleus filled in its colour. Writes OUT_DIR (default
//! `target/examples/nuclei2d`)/{labels.tif, measurements.csv, preview.png}.

use std::path::{Path, PathBuf};

use tesserae::io::png::{self, Overlay, PlaneChoice, Preview};
use tesserae::io::{self, WriteOptions};
use tesserae::ndfilters::{Threshold, ThresholdMethod};
use tesserae::ndmeasure::{Connectivity, Label};
use tesserae::{Error, Executor, RegionProps, Result, Source};

/// What the example did.
pub struct Done {
    /// Otsu's threshold of the image.
    pub threshold: f64,
    /// The number of nuclei.
    pub nuclei: usize,
    /// The label image (uint32 TIFF).
    pub labels: PathBuf,
    /// The measurements table.
    pub table: PathBuf,
    /// The preview.
    pub preview: PathBuf,
}

/// Segments and measures the nuclei of `input` into `out`.
pub fn run(input: &Path, out: &Path) -> Result<Done> {
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let exec = Executor::new();
    let image = io::open::<u8>(input)?;
    let shape = image.shape().to_vec();

    let threshold = Threshold::new(ThresholdMethod::Otsu).compute(&exec, &image)?;
    let labels = out.join("labels.tif");
    let options = WriteOptions {
        overwrite: true,
        ..WriteOptions::default()
    };
    let mut sink = io::create::<u32>(&labels, &shape, &shape, &options)?;
    let nuclei = Label::new(Connectivity::Face)
        .threshold(threshold)
        .run(&exec, &image, &mut sink)?;

    let label_image = io::open::<u32>(&labels)?;
    let table = RegionProps::new()
        .properties(&[
            "label",
            "area",
            "centroid",
            "eccentricity",
            "intensity_mean",
        ])?
        .run(&exec, &label_image, Some(&image))?;
    let table_path = out.join("measurements.csv");
    let mut csv = table.names().join(",") + "\n";
    for row in 0..table.len() {
        csv += &(table.row_text(row).join(",") + "\n");
    }
    std::fs::write(&table_path, csv).map_err(|e| Error::io(&table_path, e))?;

    let preview = out.join("preview.png");
    let grey = png::plane(&image, PlaneChoice::Middle)?;
    let ids = png::plane(&label_image, PlaneChoice::Middle)?;
    Preview::new()
        .overlay(Overlay::Fill)
        .write(&grey.view(), Some(&ids.view()), &preview)?;
    Ok(Done {
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
            .unwrap_or_else(|| "fixtures/nuclei/nuclei2d.tif".into()),
    );
    let out = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "target/examples/nuclei2d".into()),
    );
    match run(&input, &out) {
        Ok(done) => {
            println!(
                "{}: Otsu threshold {}, {} nuclei",
                input.display(),
                done.threshold,
                done.nuclei
            );
            println!("wrote {} (uint32 labels)", done.labels.display());
            println!(
                "wrote {} (label, area, centroid, eccentricity, intensity_mean)",
                done.table.display()
            );
            println!("wrote {} (nuclei filled in colour)", done.preview.display());
        }
        Err(e) => {
            eprintln!("nuclei2d: {e}");
            std::process::exit(1);
        }
    }
}
