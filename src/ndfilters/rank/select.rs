//! The rank kernel: the value of a given rank among the footprint's elements.

use ndarray::{ArrayD, ArrayViewD};
use rayon::prelude::*;

use super::network::{MAX_NETWORK_INPUTS, Network};
use super::{BlockGeometry, block_offsets, from_vec};
use crate::Result;
use crate::engine::Element;
use crate::ndfilters::Footprint;

/// Columns of output a selection network processes at once.
const NETWORK_COLUMNS: usize = 64;

/// The element of rank `rank` of every footprint neighbourhood of a padded block.
///
/// Footprints of up to [`MAX_NETWORK_INPUTS`] elements run a selection
/// network over whole rows; larger ones, and blocks holding NaN, gather each
/// neighbourhood in the footprint's C order and partition it with Hoare's
/// scheme around its first element, as scipy does, so even unordered values
/// give scipy's answer.
pub(crate) fn rank<T: Element>(
    padded: ArrayViewD<'_, T>,
    pad: &[usize],
    out_shape: &[usize],
    footprint: &Footprint,
    rank: usize,
) -> Result<ArrayD<T>> {
    let padded = padded.as_standard_layout();
    let geometry = BlockGeometry::new(padded.shape(), pad, out_shape);
    let offsets = block_offsets(&geometry, footprint);
    let data = padded.as_slice().unwrap_or(&[]);
    let mut out = vec![T::zero(); out_shape.iter().product()];
    let nx = *out_shape.last().unwrap_or(&1);
    let ordered = data.iter().all(|v| v.partial_cmp(v).is_some());
    if out.is_empty() {
        return from_vec(out_shape, out);
    }
    if ordered && offsets.len() <= MAX_NETWORK_INPUTS {
        let network = Network::select(offsets.len(), rank);
        let n = offsets.len();
        out.par_chunks_mut(nx).enumerate().for_each_init(
            || vec![T::zero(); n * NETWORK_COLUMNS],
            |scratch, (row, out_row)| {
                let base = geometry.row_base(row);
                for (c, out_columns) in out_row.chunks_mut(NETWORK_COLUMNS).enumerate() {
                    let len = out_columns.len();
                    let at = base + c * NETWORK_COLUMNS;
                    let values = &mut scratch[..n * len];
                    for (slot, &off) in values.chunks_exact_mut(len).zip(&offsets) {
                        slot.copy_from_slice(&data[at + off..][..len]);
                    }
                    network.run(values, len);
                    out_columns.copy_from_slice(&values[network.output() * len..][..len]);
                }
            },
        );
    } else {
        out.par_chunks_mut(nx).enumerate().for_each_init(
            || vec![T::zero(); offsets.len()],
            |buffer, (row, out_row)| {
                let base = geometry.row_base(row);
                for (x, o) in out_row.iter_mut().enumerate() {
                    let at = base + x;
                    for (b, &off) in buffer.iter_mut().zip(&offsets) {
                        *b = data[at + off];
                    }
                    *o = select(buffer, rank);
                }
            },
        );
    }
    from_vec(out_shape, out)
}

/// The element of rank `rank` (0-based, `rank < values.len()`): Hoare
/// partitions around the first element of the remaining range.
pub(crate) fn select<T: PartialOrd + Copy>(values: &mut [T], rank: usize) -> T {
    let (mut lo, mut hi, mut rank) = (0, values.len() - 1, rank);
    while lo < hi {
        let pivot = values[lo];
        let mut i = lo;
        let mut j = hi;
        loop {
            while j > lo && values[j] > pivot {
                j -= 1;
            }
            while i < hi && values[i] < pivot {
                i += 1;
            }
            if i < j {
                values.swap(i, j);
                i += 1;
                j -= 1;
            } else {
                break;
            }
        }
        let left = j - lo + 1;
        if rank < left {
            hi = j;
        } else {
            lo = j + 1;
            rank -= left;
        }
    }
    values[lo]
}

#[cfg(test)]
mod tests {
    use super::select;

    #[test]
    fn select_finds_every_rank() {
        let values = [5, 1, 4, 1, 5, 9, 2, 6, 5, 3];
        let mut sorted = values;
        sorted.sort_unstable();
        for (rank, &expected) in sorted.iter().enumerate() {
            let mut buffer = values;
            assert_eq!(select(&mut buffer, rank), expected);
        }
    }

    #[test]
    fn select_survives_nan() {
        let mut buffer = [f64::NAN, 1.0, f64::NAN, 0.5];
        for rank in 0..4 {
            let _ = select(&mut buffer, rank);
        }
    }
}
