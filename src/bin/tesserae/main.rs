//! The `tesserae` command-line tool.

mod args;
mod clear_border;
mod convert;
mod expand;
mod fill_holes;
mod filter;
mod find_objects;
mod info;
mod label;
mod labels;
mod measure;
mod morph;
mod open;
mod pipeline;
mod preview;
mod progress;
mod reconstruct;
mod regionprops;
mod relabel;
mod remove;
mod seeds;
mod stitch;
mod table;
mod threshold;
mod watershed;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Chunked, out-of-core bioimage analysis: results equal to scipy/scikit-image at any chunking.
#[derive(Parser)]
#[command(name = "tesserae", version, about)]
struct Cli {
    /// Worker threads (0 = all cores).
    #[arg(long, global = true, default_value_t = 0)]
    threads: usize,
    /// No progress bars.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Shape, data type, chunks, voxel size and value range of an image.
    Info(info::Args),
    /// Copy an image between TIFF and Zarr (any direction), optionally rechunked.
    Convert(convert::Args),
    /// Label connected components, numbered exactly as scipy.ndimage.label, at any chunking.
    Label(label::Args),
    /// Bounding box of every label, as a CSV table.
    FindObjects(find_objects::Args),
    /// scipy.ndimage measurements (mean, variance, median, …) per label, as a CSV table.
    Measure(measure::Args),
    /// Renumber labels 1, 2, … in ascending order (scikit-image's relabel_sequential).
    Relabel(relabel::Args),
    /// Remove objects of at most --max-size voxels (scikit-image's remove_small_objects).
    RemoveSmall(remove::Args),
    /// Remove objects of more than --max-size voxels.
    RemoveLarge(remove::Args),
    /// Fill background components of at most --max-size voxels (scikit-image's remove_small_holes).
    RemoveSmallHoles(remove::HoleArgs),
    /// Remove objects touching the image border (scikit-image's clear_border).
    ClearBorder(clear_border::Args),
    /// Grow every label by up to --distance without overlap (scikit-image's expand_labels).
    ExpandLabels(expand::Args),
    /// Fill the holes of every label with that label.
    FillHoles(fill_holes::Args),
    /// scipy.ndimage filters (gaussian, uniform, sobel, …), chunked with halos, equal to scipy.
    Filter(filter::Args),
    /// A global threshold as scikit-image's (printed) and the mask image > threshold.
    Threshold(threshold::Args),
    /// Binary and grey morphology and hole filling, equal to scipy.ndimage at any chunking.
    Morph(morph::Args),
    /// Euclidean distance transform (scipy's distance_transform_edt), with voxel size.
    Distance(morph::DistanceArgs),
    /// scikit-image's regionprops_table (area, centroid, moments, intensity, …) per label, as CSV.
    Regionprops(regionprops::Args),
    /// Merge label images made tile by tile (touching tiles, or overlapping tiles matched by IoU).
    Stitch(stitch::Args),
    /// Morphological reconstruction by dilation or erosion (scikit-image's), exact at any chunking.
    Reconstruct(reconstruct::Args),
    /// Seeds for a watershed: h-maxima, h-minima, local maxima or minima (scikit-image's), exact at any chunking.
    Seeds(seeds::Args),
    /// Seeded watershed from a marker image (or the local minima), voxel for voxel as scikit-image's.
    Watershed(watershed::Args),
    /// The nuclei workflow in one command: gaussian, threshold, fill holes, remove small, label, regionprops, preview.
    Pipeline(pipeline::Args),
    /// A PNG of an image plane, contrast-stretched, with label outlines or fills.
    Preview(preview::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(e),
    };
    let context = match progress::context(cli.threads, cli.quiet) {
        Ok(context) => context,
        Err(e) => return fail(&e),
    };
    let result = match cli.command {
        Command::Info(args) => info::run(args, &context),
        Command::Convert(args) => convert::run(args, &context),
        Command::Label(args) => label::run(args, &context),
        Command::FindObjects(args) => find_objects::run(args, &context),
        Command::Measure(args) => measure::run(args, &context),
        Command::Relabel(args) => relabel::run(args, &context),
        Command::RemoveSmall(args) => remove::run(args, false, &context),
        Command::RemoveLarge(args) => remove::run(args, true, &context),
        Command::RemoveSmallHoles(args) => remove::holes(args, &context),
        Command::ClearBorder(args) => clear_border::run(args, &context),
        Command::ExpandLabels(args) => expand::run(args, &context),
        Command::FillHoles(args) => fill_holes::run(args, &context),
        Command::Filter(args) => filter::run(args, &context),
        Command::Threshold(args) => threshold::run(args, &context),
        Command::Morph(args) => morph::run(args, &context),
        Command::Distance(args) => morph::distance(args, &context),
        Command::Regionprops(args) => regionprops::run(args, &context),
        Command::Stitch(args) => stitch::run(args, &context),
        Command::Reconstruct(args) => reconstruct::run(args, &context),
        Command::Seeds(args) => seeds::run(args, &context),
        Command::Watershed(args) => watershed::run(args, &context),
        Command::Pipeline(args) => pipeline::run(args, &context),
        Command::Preview(args) => preview::run(args, &context),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Help and version go out as clap prints them; a usage error becomes one line and exit code 2.
fn usage(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let text = e.to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::trim)
        .collect();
    eprintln!(
        "tesserae: {}",
        message.join(" ").trim_start_matches("error: ")
    );
    ExitCode::from(2)
}

/// Prints a one-line message and picks the exit code: 2 for bad input, 1 for failures while working.
fn fail(e: &tesserae::Error) -> ExitCode {
    eprintln!("tesserae: {e}");
    ExitCode::from(if e.is_bad_input() { 2 } else { 1 })
}
