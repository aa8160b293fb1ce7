//! `tesserae measure LABELS --intensity IMAGE --stat …`: scipy.ndimage measurements per label, as CSV.

use std::path::PathBuf;

use tesserae::ndmeasure::{LabelValue, Measure};
use tesserae::{Element, Error, Executor, Result, Source, io, with_dtype};

use crate::args;
use crate::labels::{open_labels, with_labels};
use crate::table::Table;

/// The statistics `measure` computes, by their scipy.ndimage names.
const STATS: [&str; 11] = [
    "count",
    "sum",
    "mean",
    "variance",
    "standard_deviation",
    "minimum",
    "maximum",
    "median",
    "minimum_position",
    "maximum_position",
    "center_of_mass",
];

/// Arguments of `tesserae measure`.
#[derive(clap::Args)]
pub struct Args {
    /// A label image (TIFF or Zarr, integer type).
    labels: PathBuf,
    /// The intensity image measured (same shape as the labels).
    #[arg(long, short)]
    intensity: PathBuf,
    /// Statistics, comma-separated: count, sum, mean, variance, standard_deviation, minimum,
    /// maximum, median, minimum_position, maximum_position, center_of_mass.
    #[arg(long, short, value_delimiter = ',', default_value = "count,mean")]
    stat: Vec<String>,
    /// Labels to report, in this order (default: every label present, ascending); 0 is the background.
    #[arg(long, value_delimiter = ',')]
    index: Option<Vec<u64>>,
    /// The CSV table to write (default: stdout), one row per label.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Chunk shape of the pass (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    if let Some(unknown) = args.stat.iter().find(|s| !STATS.contains(&s.as_str())) {
        return Err(Error::InvalidArgument(format!(
            "unknown statistic '{unknown}' (known: {})",
            STATS.join(", ")
        )));
    }
    let info = io::probe(&args.intensity)?;
    with_dtype!(info.dtype, T => measure::<T>(&args, exec))
}

fn measure<T: Element>(args: &Args, exec: &Executor) -> Result<()> {
    let intensity = io::open::<T>(&args.intensity)?;
    let dtype = io::probe(&args.labels)?.dtype;
    with_labels!(open_labels(&args.labels, dtype)?, labels => table(args, exec, &*intensity, &*labels))
}

/// Measures `intensity` per label of `labels` and writes the table.
fn table<T: Element, L: LabelValue>(
    args: &Args,
    exec: &Executor,
    intensity: &dyn Source<Elem = T>,
    labels: &dyn Source<Elem = L>,
) -> Result<()> {
    let chunks = args::chunks_for(labels, args.chunks.as_ref(), exec)?;
    let wants = |s: &str| args.stat.iter().any(|x| x == s);
    let background = args.index.as_ref().is_some_and(|i| i.contains(&0));
    let measure = Measure::new()
        .chunks(&chunks)
        .background(background)
        .extrema(
            [
                "minimum",
                "maximum",
                "minimum_position",
                "maximum_position",
                "median",
            ]
            .iter()
            .any(|s| wants(s)),
        )
        .center_of_mass(wants("center_of_mass"));
    let stats = measure.run(exec, &intensity, Some(&labels))?;
    let index: Vec<u64> = match &args.index {
        Some(index) => index.clone(),
        None => stats.iter().map(|(l, _)| l).filter(|&l| l > 0).collect(),
    };
    let rows: Vec<String> = index.iter().map(|l| l.to_string()).collect();
    let index = Some(&index[..]);
    let ndim = intensity.ndim();
    let mut header = vec!["label".to_string()];
    let mut columns: Vec<Vec<String>> = vec![rows];
    let text = |v: Vec<f64>| v.into_iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for stat in &args.stat {
        match stat.as_str() {
            "count" => columns.push(stats.count(index)?.iter().map(|c| c.to_string()).collect()),
            "sum" => columns.push(text(stats.sum_labels(index)?)),
            "mean" => columns.push(text(stats.mean(index)?)),
            "variance" => columns.push(text(stats.variance(index)?)),
            "standard_deviation" => columns.push(text(stats.standard_deviation(index)?)),
            "minimum" => columns.push(
                stats
                    .minimum(index)?
                    .iter()
                    .map(|v| v.to_string())
                    .collect(),
            ),
            "maximum" => columns.push(
                stats
                    .maximum(index)?
                    .iter()
                    .map(|v| v.to_string())
                    .collect(),
            ),
            "median" => columns.push(text(measure.median_with(
                &stats,
                exec,
                &intensity,
                Some(&labels),
                index,
            )?)),
            "minimum_position" | "maximum_position" | "center_of_mass" => {
                let rows: Vec<Vec<String>> = match stat.as_str() {
                    "minimum_position" => stats
                        .minimum_position(index)?
                        .iter()
                        .map(|p| p.iter().map(|v| v.to_string()).collect())
                        .collect(),
                    "maximum_position" => stats
                        .maximum_position(index)?
                        .iter()
                        .map(|p| p.iter().map(|v| v.to_string()).collect())
                        .collect(),
                    _ => stats.center_of_mass(index)?.into_iter().map(text).collect(),
                };
                for axis in 0..ndim {
                    header.push(format!("{stat}-{axis}"));
                    columns.push(rows.iter().map(|r| r[axis].clone()).collect());
                }
                continue;
            }
            _ => unreachable!("statistics are validated above"),
        }
        header.push(stat.clone());
    }
    let mut table = Table::create(args.output.as_deref(), args.overwrite, &header)?;
    for r in 0..columns[0].len() {
        let row: Vec<&str> = columns.iter().map(|c| c[r].as_str()).collect();
        table.row(&row)?;
    }
    table.finish()?;
    if let Some(path) = &args.output {
        eprintln!(
            "{} labels measured, table written to {}",
            columns[0].len(),
            path.display()
        );
    }
    Ok(())
}
