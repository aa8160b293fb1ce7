//! `tesserae stitch`: label images made tile by tile merged into one consistent label image.
//!
//! Touch mode: `tesserae stitch LABELS OUTPUT --tiles Z,Y,X [--connectivity C]`.
//! Overlap mode: `tesserae stitch OUTPUT --tile FILE@Z,Y,X … | --manifest TILES.csv [--iou 0.5]`.

use std::path::{Path, PathBuf};

use tesserae::engine::map_blocks;
use tesserae::io::{self, WriteOptions};
use tesserae::labels::{Stitch, Tile};
use tesserae::ndmeasure::LabelValue;
use tesserae::{DataType, Error, Executor, Result, Sink, Source};

use crate::args;
use crate::labels::{Labels, open_labels, with_labels};

/// Arguments of `tesserae stitch`.
#[derive(clap::Args)]
pub struct Args {
    /// Touch mode: LABELS OUTPUT (one label image whose tiles were labeled
    /// independently); overlap mode: OUTPUT only (the tiles come from --tile or --manifest).
    #[arg(num_args = 1..=2, value_names = ["LABELS", "OUTPUT"], required = true)]
    paths: Vec<PathBuf>,
    /// Touch mode: the shape of the tile grid the labels were made on (the last tiles may be smaller).
    #[arg(long, value_parser = args::shape)]
    tiles: Option<args::Shape>,
    /// Touch mode: 1 = merge across tile faces (default) … ndim = also across edges and corners.
    #[arg(long, short, default_value_t = 1)]
    connectivity: usize,
    /// Overlap mode: a tile label image and its origin in the stitched image, FILE@Z,Y,X (repeat).
    #[arg(long = "tile", value_name = "FILE@ORIGIN")]
    tile: Vec<String>,
    /// Overlap mode: a CSV table of tiles, one `path,z,y,x` per line (an optional
    /// header line starts with `path`; relative paths are relative to the table).
    #[arg(long, conflicts_with = "tile")]
    manifest: Option<PathBuf>,
    /// Overlap mode: objects of two tiles merge when their IoU in the overlap zone is at least this.
    #[arg(long, default_value_t = 0.5)]
    iou: f64,
    /// Overlap mode: the stitched shape (default: the bounding box of the tiles).
    #[arg(long, value_parser = args::shape)]
    shape: Option<args::Shape>,
    /// Chunk shape of a Zarr output (default: about 16 MiB per chunk).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let overlap = !args.tile.is_empty() || args.manifest.is_some();
    match (&args.tiles, overlap, args.paths.as_slice()) {
        (Some(_), true, _) => Err(usage(
            "--tiles (touch mode) cannot be combined with --tile or --manifest (overlap mode)",
        )),
        (Some(tiles), false, [labels, output]) => touch(&args, &tiles.0, labels, output, exec),
        (Some(_), false, _) => Err(usage("touch mode takes LABELS OUTPUT")),
        (None, true, [output]) => overlapping(&args, output, exec),
        (None, true, _) => Err(usage(
            "overlap mode takes only OUTPUT (the tiles come from --tile or --manifest)",
        )),
        (None, false, _) => Err(usage(
            "give --tiles Z,Y,X (touch mode) or --tile FILE@Z,Y,X / --manifest (overlap mode)",
        )),
    }
}

fn usage(message: &str) -> Error {
    Error::InvalidArgument(message.to_string())
}

fn touch(
    args: &Args,
    tiles: &[usize],
    labels: &Path,
    output: &Path,
    exec: &Executor,
) -> Result<()> {
    let info = io::probe(labels)?;
    with_labels!(open_labels(labels, info.dtype)?, source => {
        let shape = source.shape().to_vec();
        if tiles.len() != shape.len() {
            return Err(Error::InvalidArgument(format!(
                "--tiles has {} values but {} has {} axes",
                tiles.len(),
                labels.display(),
                shape.len()
            )));
        }
        let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
        let stitched = Stitch::touching(tiles)
            .connectivity(args.connectivity)
            .chunks(&chunks)
            .prepare(exec, &source)?;
        let options = WriteOptions {
            overwrite: args.overwrite,
            voxel_size: source.voxel_size(),
            ..WriteOptions::default()
        };
        let count = stitched.count();
        let dtype = write_labels(output, &shape, &chunks, &options, count, |sink| {
            match sink {
                Output::U32(sink) => stitched.write(exec, sink),
                Output::U64(sink) => stitched.write(exec, sink),
            }
        })?;
        println!("{count} objects (from {} tile objects)", stitched.tile_objects());
        crate::progress::wrote(output, &shape, dtype, &chunks);
        Ok(())
    })
}

fn overlapping(args: &Args, output: &Path, exec: &Executor) -> Result<()> {
    let placed = match &args.manifest {
        Some(manifest) => read_manifest(manifest)?,
        None => args
            .tile
            .iter()
            .map(|t| parse_tile(t))
            .collect::<Result<Vec<_>>>()?,
    };
    let mut tiles = Vec::with_capacity(placed.len());
    for (path, origin) in placed {
        let info = io::probe(&path)?;
        let source: Box<dyn Source<Elem = u64>> = match open_labels(&path, info.dtype)? {
            Labels::U64(source) => source,
            Labels::U32(source) => Box::new(map_blocks(source, None, |block, _| {
                Ok(block.mapv(u64::from))
            })?),
        };
        if origin.len() != source.ndim() {
            return Err(Error::InvalidArgument(format!(
                "{}: origin {origin:?} has {} values but the tile has {} axes",
                path.display(),
                origin.len(),
                source.ndim()
            )));
        }
        tiles.push(Tile::new(origin, source));
    }
    let mut stitch = Stitch::overlapping().iou(args.iou);
    if let Some(args::Shape(shape)) = &args.shape {
        stitch = stitch.shape(shape);
    }
    if let Some(args::Shape(chunks)) = &args.chunks {
        stitch = stitch.chunks(chunks);
    }
    let stitched = stitch.prepare(exec, &tiles)?;
    let shape = stitched.shape().to_vec();
    let chunks = match &args.chunks {
        Some(args::Shape(c)) => tesserae::ChunkGrid::new(&shape, c)?.chunk_shape().to_vec(),
        None => {
            let native: Vec<usize> = tiles[0].labels().shape().to_vec();
            let chunks = tesserae::engine::default_chunks(&shape, &native, 4);
            tesserae::engine::split_for_workers(&shape, &chunks, &native, exec.num_threads())
        }
    };
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size: tiles[0].labels().voxel_size(),
        ..WriteOptions::default()
    };
    let count = stitched.count();
    let dtype = write_labels(
        output,
        &shape,
        &chunks,
        &options,
        count,
        |sink| match sink {
            Output::U32(sink) => stitched.write(exec, sink),
            Output::U64(sink) => stitched.write(exec, sink),
        },
    )?;
    println!("{count} objects from {} tiles", tiles.len());
    crate::progress::wrote(output, &shape, dtype, &chunks);
    Ok(())
}

/// The output sink, `u32` unless the count needs `u64`.
enum Output<'a> {
    U32(&'a mut Box<dyn Sink<Elem = u32>>),
    U64(&'a mut Box<dyn Sink<Elem = u64>>),
}

/// Creates the output in the narrowest of `u32` and `u64` that holds `count`
/// and lets `write` fill it; returns the type written.
fn write_labels(
    path: &Path,
    shape: &[usize],
    chunks: &[usize],
    options: &WriteOptions,
    count: usize,
    write: impl FnOnce(Output<'_>) -> Result<usize>,
) -> Result<DataType> {
    if u32::from_count(count).is_some() {
        let mut sink = io::create::<u32>(path, shape, chunks, options)?;
        write(Output::U32(&mut sink))?;
        Ok(DataType::U32)
    } else {
        let mut sink = io::create::<u64>(path, shape, chunks, options)?;
        write(Output::U64(&mut sink))?;
        Ok(DataType::U64)
    }
}

/// Parses `FILE@Z,Y,X`.
fn parse_tile(text: &str) -> Result<(PathBuf, Vec<usize>)> {
    let (path, origin) = text
        .rsplit_once('@')
        .ok_or_else(|| Error::InvalidArgument(format!("--tile '{text}': expected FILE@Z,Y,X")))?;
    let origin = parse_origin(origin)
        .map_err(|e| Error::InvalidArgument(format!("--tile '{text}': {e}")))?;
    Ok((PathBuf::from(path), origin))
}

/// Reads a manifest of `path,z,y,x` lines.
fn read_manifest(manifest: &Path) -> Result<Vec<(PathBuf, Vec<usize>)>> {
    let text = std::fs::read_to_string(manifest).map_err(|e| Error::io(manifest, e))?;
    let base = manifest.parent().unwrap_or(Path::new(""));
    let mut tiles = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || (n == 0 && line.starts_with("path")) {
            continue;
        }
        let (path, origin) = line.split_once(',').ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{} line {}: expected path,z,y,x",
                manifest.display(),
                n + 1
            ))
        })?;
        let origin = parse_origin(origin).map_err(|e| {
            Error::InvalidArgument(format!("{} line {}: {e}", manifest.display(), n + 1))
        })?;
        tiles.push((base.join(path.trim()), origin));
    }
    if tiles.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "{}: lists no tiles",
            manifest.display()
        )));
    }
    Ok(tiles)
}

/// Parses an origin `Z,Y,X` of non-negative integers.
fn parse_origin(text: &str) -> std::result::Result<Vec<usize>, String> {
    text.split(',')
        .map(|part| {
            part.trim().parse::<usize>().map_err(|_| {
                format!("origin '{text}': expected non-negative integers separated by commas")
            })
        })
        .collect()
}
