//! The Euclidean feature transform: for every voxel, the nearest site (for
//! the distance transform, the nearest zero voxel), exactly as
//! `scipy.ndimage.distance_transform_edt(..., return_indices=True)` finds it.
//!
//! scipy runs Maurer, Qi & Raghavan's separable algorithm: along axis 0,
//! then 1, …, every line keeps the Voronoi sites of the features found by the
//! previous passes (a site is dropped only when its Voronoi cell on the line
//! is empty, ties keep it) and every voxel takes the first site, in line
//! order, at the smallest distance. This module follows the same passes and
//! the same floating-point expressions, so it picks the same voxel among
//! equidistant ones; with exact arithmetic that is, among the nearest sites,
//! the one smallest along the last axis, then the one before, and so on.
//!
//! The squared distance a voxel has to its feature after a pass is what the
//! next pass needs (scipy recomputes it from the coordinates, with the same
//! additions in the same order), so it is carried along instead.

/// No site on any line searched so far.
pub(crate) const NONE: usize = usize::MAX;

/// The features of an image of `shape` (C order) whose sites are the `true`
/// entries of `sites`: for every voxel the linear index of its feature
/// ([`NONE`] when there is no site) and the squared distance to it, summed
/// over the axes in order as numpy sums scipy's distances.
pub(crate) fn feature_transform(
    shape: &[usize],
    sites: impl Iterator<Item = bool>,
    sampling: &[f64],
) -> (Vec<usize>, Vec<f64>) {
    let mut feature: Vec<usize> = sites
        .enumerate()
        .map(|(i, site)| if site { i } else { NONE })
        .collect();
    let mut squared = vec![0.0; feature.len()];
    let mut scratch = Line::default();
    for (axis, &s) in sampling.iter().enumerate() {
        let len = shape[axis];
        if len == 0 {
            return (feature, squared);
        }
        let stride: usize = shape[axis + 1..].iter().product();
        let outer: usize = shape[..axis].iter().product();
        for o in 0..outer {
            for inner in 0..stride {
                let start = o * len * stride + inner;
                scratch.pass(&mut feature, &mut squared, start, stride, len, s);
            }
        }
    }
    (feature, squared)
}

/// Scratch space of one line.
#[derive(Default)]
struct Line {
    /// Feature and squared distance of every voxel of the line before the pass.
    feature: Vec<usize>,
    squared: Vec<f64>,
    /// Line positions of the sites kept on the lower envelope.
    g: Vec<usize>,
}

impl Line {
    /// scipy's `_VoronoiFT` on the line `start + k * stride`, `k < len`.
    fn pass(
        &mut self,
        feature: &mut [usize],
        squared: &mut [f64],
        start: usize,
        stride: usize,
        len: usize,
        s: f64,
    ) {
        self.feature.clear();
        self.squared.clear();
        self.g.clear();
        for k in 0..len {
            self.feature.push(feature[start + k * stride]);
            self.squared.push(squared[start + k * stride]);
        }
        let r = &self.squared;
        for ii in 0..len {
            if self.feature[ii] == NONE {
                continue;
            }
            let w_r = r[ii];
            while self.g.len() >= 2 {
                let v = self.g[self.g.len() - 1];
                let u = self.g[self.g.len() - 2];
                let a = (v - u) as f64 * s;
                let b = (ii - v) as f64 * s;
                let c = a + b;
                if c * r[v] - b * r[u] - a * w_r - a * b * c <= 0.0 {
                    break;
                }
                self.g.pop();
            }
            self.g.push(ii);
        }
        if self.g.is_empty() {
            return;
        }
        let maxl = self.g.len() - 1;
        let dist = |site: usize, ii: usize| {
            let t = (site as f64 - ii as f64) * s;
            r[site] + t * t
        };
        let mut l = 0;
        for ii in 0..len {
            let mut delta1 = dist(self.g[l], ii);
            while l < maxl {
                let delta2 = dist(self.g[l + 1], ii);
                if delta1 <= delta2 {
                    break;
                }
                delta1 = delta2;
                l += 1;
            }
            feature[start + ii * stride] = self.feature[self.g[l]];
            squared[start + ii * stride] = delta1;
        }
    }
}

/// The coordinates of the linear (C order) index `i` in an array of `shape`.
pub(crate) fn unravel(mut i: usize, shape: &[usize], out: &mut [usize]) {
    for (axis, &n) in shape.iter().enumerate().rev() {
        out[axis] = i % n;
        i /= n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_first_site_along_the_last_axis() {
        // Sites at (0, 0), (0, 2), (2, 0), (2, 2): the centre is equidistant
        // from all four; scipy picks (0, 0).
        let sites = [1, 0, 1, 0, 0, 0, 1, 0, 1].map(|v| v == 1);
        let (feature, squared) = feature_transform(&[3, 3], sites.into_iter(), &[1.0, 1.0]);
        assert_eq!(feature[4], 0);
        assert_eq!(squared[4], 2.0);
        // (1, 0) is equidistant from (0, 0) and (2, 0): the lower row wins.
        assert_eq!(feature[3], 0);
        assert_eq!(feature[5], 2);
    }

    #[test]
    fn no_site_leaves_every_voxel_without_feature() {
        let (feature, _) = feature_transform(&[2, 3], [false; 6].into_iter(), &[1.0, 1.0]);
        assert!(feature.iter().all(|&f| f == NONE));
    }
}
