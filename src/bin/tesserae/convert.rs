//! `tesserae convert INPUT OUTPUT`: TIFF ↔ Zarr, any direction, optionally rechunked.

use std::path::PathBuf;

use tesserae::io::{self, Compression, WriteOptions};
use tesserae::{Element, Executor, Result, Source, VoxelSize, with_dtype};

use crate::args;

/// Arguments of `tesserae convert`.
#[derive(clap::Args)]
pub struct Args {
    /// A TIFF file or Zarr array to read.
    input: PathBuf,
    /// The TIFF file or Zarr array to write.
    output: PathBuf,
    /// Output chunk shape, e.g. 64,256,256 (default: about 16 MiB per chunk, aligned to the input's chunks).
    #[arg(long, value_parser = args::shape)]
    chunks: Option<args::Shape>,
    /// Zarr: inner chunk shape; turns sharding on, the chunks becoming shards.
    #[arg(long, value_parser = args::shape)]
    shard: Option<args::Shape>,
    /// Compression of the output (default: zstd for Zarr, none for TIFF).
    #[arg(long, value_enum)]
    compression: Option<CompressionArg>,
    /// Voxel size to record, e.g. 2,0.5,0.5 (default: the input's).
    #[arg(long, value_parser = args::sizes)]
    voxel_size: Option<args::Sizes>,
    /// Replace the output if it exists.
    #[arg(long)]
    overwrite: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CompressionArg {
    None,
    Zstd,
    Deflate,
    Lzw,
}

pub fn run(args: Args, exec: &Executor) -> Result<()> {
    let info = io::probe(&args.input)?;
    with_dtype!(info.dtype, T => convert::<T>(&args, exec))
}

fn convert<T: Element>(args: &Args, exec: &Executor) -> Result<()> {
    let source = io::open::<T>(&args.input)?;
    let shape = source.shape().to_vec();
    let chunks = args::chunks_for(&*source, args.chunks.as_ref(), exec)?;
    let voxel_size = match &args.voxel_size {
        Some(args::Sizes(v)) if v.len() != shape.len() => {
            return Err(tesserae::Error::InvalidArgument(format!(
                "--voxel-size has {} values but the image has {} axes",
                v.len(),
                shape.len()
            )));
        }
        Some(args::Sizes(v)) => Some(VoxelSize::new(v.clone(), Some("micron".into()))),
        None => source.voxel_size(),
    };
    let options = WriteOptions {
        overwrite: args.overwrite,
        voxel_size,
        compression: args.compression.map(|c| match c {
            CompressionArg::None => Compression::None,
            CompressionArg::Zstd => Compression::Zstd,
            CompressionArg::Deflate => Compression::Deflate,
            CompressionArg::Lzw => Compression::Lzw,
        }),
        shard_inner_chunks: args.shard.as_ref().map(|s| s.0.clone()),
    };
    let mut sink = io::create::<T>(&args.output, &shape, &chunks, &options)?;
    tesserae::engine::store(exec, &source, &mut sink)?;
    crate::progress::wrote(&args.output, &shape, T::DTYPE, &chunks);
    Ok(())
}
