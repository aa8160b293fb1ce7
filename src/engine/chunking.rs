//! [`default_chunks`]: the processing chunk shape used when none is given.

/// Bytes per chunk [`default_chunks`] aims at (16 MiB).
pub const TARGET_CHUNK_BYTES: usize = 16 << 20;

/// A native chunk bigger than this (32 MiB) is split by [`default_chunks`].
pub const MAX_NATIVE_CHUNK_BYTES: usize = 32 << 20;

/// A processing chunk shape of about [`TARGET_CHUNK_BYTES`] for an array of
/// `shape` whose native chunks are `native_chunks`, with elements of
/// `dtype_size` bytes.
///
/// - A native chunk of at most [`MAX_NATIVE_CHUNK_BYTES`] grows by whole native
///   chunks, one axis at a time, always along the axis that is currently the
///   shortest (the first one on ties) among those not yet covering the array,
///   as long as the chunk stays within [`TARGET_CHUNK_BYTES`]: chunks stay
///   aligned with the native ones and as near to isotropic as they can.
/// - A bigger native chunk is split: the longest axis (the first one on ties)
///   steps down to the next smaller divisor of its native extent, until the
///   chunk is within [`TARGET_CHUNK_BYTES`] or every extent is 1. Every chunk
///   then lies inside one native chunk.
///
/// Extents are clipped to the array (an empty axis counts as 1); a missing
/// native extent counts as 1.
///
/// ```
/// use tesserae::engine::default_chunks;
/// // TIFF pages of 1024 × 1024 u8: 16 pages.
/// assert_eq!(default_chunks(&[300, 1024, 1024], &[1, 1024, 1024], 1), vec![16, 1024, 1024]);
/// // Zarr chunks of 64³ u8: grown isotropically to 256³.
/// assert_eq!(default_chunks(&[512, 512, 512], &[64, 64, 64], 1), vec![256, 256, 256]);
/// // One in-memory chunk of 512³ u8 (128 MiB): split to 256³.
/// assert_eq!(default_chunks(&[512, 512, 512], &[512, 512, 512], 1), vec![256, 256, 256]);
/// ```
pub fn default_chunks(shape: &[usize], native_chunks: &[usize], dtype_size: usize) -> Vec<usize> {
    let dtype_size = dtype_size.max(1);
    let native: Vec<usize> = shape
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            native_chunks
                .get(k)
                .copied()
                .unwrap_or(1)
                .clamp(1, n.max(1))
        })
        .collect();
    let bytes = |c: &[usize]| c.iter().product::<usize>().saturating_mul(dtype_size);
    let mut chunks = native.clone();
    if bytes(&native) > MAX_NATIVE_CHUNK_BYTES {
        while bytes(&chunks) > TARGET_CHUNK_BYTES {
            let Some(k) = longest(&chunks, |k| chunks[k] > 1) else {
                break;
            };
            chunks[k] = (1..chunks[k])
                .rev()
                .find(|&d| native[k].is_multiple_of(d))
                .unwrap_or(1);
        }
        return chunks;
    }
    loop {
        let growable = |k: usize| {
            chunks[k] < shape[k] && {
                let mut grown = chunks.clone();
                grown[k] = (chunks[k] + native[k]).min(shape[k]);
                bytes(&grown) <= TARGET_CHUNK_BYTES
            }
        };
        let shortest = (0..chunks.len())
            .filter(|&k| growable(k))
            .min_by_key(|&k| (chunks[k], k));
        match shortest {
            Some(k) => chunks[k] = (chunks[k] + native[k]).min(shape[k]),
            None => return chunks,
        }
    }
}

/// The longest axis among those passing `keep`, the first one on ties.
fn longest(chunks: &[usize], keep: impl Fn(usize) -> bool) -> Option<usize> {
    (0..chunks.len())
        .filter(|&k| keep(k))
        .max_by_key(|&k| (chunks[k], std::cmp::Reverse(k)))
}

/// Splits `chunks` until an array of shape `shape` has at least two chunks per
/// worker (so every worker has work), halving the largest extent each time
/// while it stays a multiple of the native chunk extent; stops when nothing
/// can be split further.
///
/// ```
/// use tesserae::engine::split_for_workers;
/// // One 256^3 chunk of native 1 x 256 x 256 planes: split along z until each worker has two.
/// assert_eq!(split_for_workers(&[256; 3], &[256; 3], &[1, 256, 256], 2), vec![64, 256, 256]);
/// assert_eq!(split_for_workers(&[256; 3], &[256; 3], &[1, 256, 256], 4), vec![32, 256, 256]);
/// // Already enough chunks: unchanged.
/// assert_eq!(split_for_workers(&[256; 3], &[64; 3], &[64; 3], 2), vec![64, 64, 64]);
/// ```
pub fn split_for_workers(
    shape: &[usize],
    chunks: &[usize],
    native: &[usize],
    workers: usize,
) -> Vec<usize> {
    let mut chunks: Vec<usize> = chunks
        .iter()
        .zip(shape)
        .map(|(&c, &n)| c.min(n).max(1))
        .collect();
    let count =
        |c: &[usize]| -> usize { shape.iter().zip(c).map(|(n, c)| n.div_ceil(*c)).product() };
    while count(&chunks) < 2 * workers.max(1) {
        let candidate = (0..chunks.len())
            .filter_map(|axis| {
                let unit = native.get(axis).copied().unwrap_or(1).max(1);
                let half = (chunks[axis] / 2).div_ceil(unit) * unit;
                (half >= unit && half < chunks[axis]).then_some((chunks[axis], axis, half))
            })
            .max_by_key(|(extent, axis, _)| (*extent, std::cmp::Reverse(*axis)));
        match candidate {
            Some((_, axis, half)) => chunks[axis] = half,
            None => break,
        }
    }
    chunks
}
