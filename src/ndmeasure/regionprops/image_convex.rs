//! Convex-hull region properties with scikit-image 0.26's definitions:
//! `image_convex`, `area_convex`, `solidity` and `feret_diameter_max`.
//!
//! The hull is scikit-image's `convex_hull_image`: the convex hull of the
//! centres of the faces of every object voxel (a voxel at `p` contributes
//! `p ± 0.5` along each axis), and a voxel belongs to the hull image when its
//! centre is inside the hull or on its boundary. Coordinates are doubled so
//! that every computation is exact integer arithmetic.
//!
//! ```
//! use ndarray::array;
//! use tesserae::ndmeasure::regionprops::{area_convex, image_convex, solidity};
//!
//! let l = array![[true, false, false], [true, false, false], [true, true, true]].into_dyn();
//! assert_eq!(image_convex(l.view())?.iter().filter(|&&v| v).count(), 6);
//! assert_eq!(area_convex(l.view(), &[1.0, 1.0])?, 6.0);
//! assert!((solidity(l.view(), &[1.0, 1.0])? - 5.0 / 6.0).abs() < 1e-15);
//! # Ok::<(), tesserae::Error>(())
//! ```

use std::collections::HashSet;

use ndarray::{ArrayD, ArrayViewD, Axis};

use crate::error::{Error, Result};
use crate::ndmeasure::regionprops::image_props::voxel_volume;

/// A closed half-space `normal · q <= offset` in doubled coordinates.
struct HalfSpace {
    normal: Vec<i64>,
    offset: i64,
}

/// The convex hull image of a 2-D or 3-D object, scikit-image's
/// `image_convex` (`convex_hull_image`).
///
/// As in scikit-image, a 3-D object whose voxel centres are coplanar (one
/// voxel, a line, a flat plate) has no hull: the result is all false. An
/// empty mask gives an empty hull. Other ranks fail with [`Error::InvalidArgument`].
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::regionprops::image_convex;
/// let corners = array![[true, false, true], [false, false, false], [true, false, false]].into_dyn();
/// let hull = image_convex(corners.view())?;
/// assert_eq!(hull, array![[true, true, true], [true, true, false], [true, false, false]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn image_convex(mask: ArrayViewD<'_, bool>) -> Result<ArrayD<bool>> {
    let ndim = mask.ndim();
    let centres = line_extremes(&mask);
    let hull = match ndim {
        2 => hull_2d(&with_face_centres(&centres, 2)),
        3 if affine_rank(&centres) == 3 => hull_3d(&with_face_centres(&centres, 3)),
        3 => Vec::new(),
        _ => {
            return Err(Error::InvalidArgument(format!(
                "the convex hull is implemented for 2-D and 3-D images only, not {ndim}-D"
            )))
        }
    };
    let mut out = ArrayD::from_elem(mask.shape(), false);
    if hull.is_empty() {
        return Ok(out);
    }
    let last = ndim - 1;
    let width = mask.shape()[last] as i64;
    let outer: Vec<usize> = mask.shape()[..last].to_vec();
    for_each_index(&outer, |index| {
        let (mut lo, mut hi) = (0i64, width - 1);
        for h in &hull {
            let rest: i64 = (0..last).map(|k| h.normal[k] * 2 * index[k] as i64).sum();
            let r = h.offset - rest;
            let n = 2 * h.normal[last];
            if n > 0 {
                hi = hi.min(r.div_euclid(n));
            } else if n < 0 {
                lo = lo.max(-(r.div_euclid(-n)));
            } else if r < 0 {
                hi = -1;
            }
            if lo > hi {
                return;
            }
        }
        let mut full = index.to_vec();
        for x in lo..=hi {
            full.push(x as usize);
            out[full.as_slice()] = true;
            full.pop();
        }
    });
    Ok(out)
}

/// The convex area, scikit-image's `area_convex`: voxels of [`image_convex`]
/// times the voxel volume (the product of `spacing`).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::regionprops::area_convex;
/// let plate = ArrayD::from_elem(vec![1, 3, 3], true);
/// // Coplanar voxels have no 3-D hull in scikit-image.
/// assert_eq!(area_convex(plate.view(), &[1.0; 3])?, 0.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn area_convex(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let voxel = voxel_volume(mask.ndim(), spacing)?;
    Ok(count(&image_convex(mask)?) as f64 * voxel)
}

/// The solidity, scikit-image's `solidity`: area / area_convex (infinite
/// when the hull is empty, as for coplanar 3-D objects).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::regionprops::solidity;
/// let square = ArrayD::from_elem(vec![4, 4], true);
/// assert_eq!(solidity(square.view(), &[1.0, 1.0])?, 1.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn solidity(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let voxel = voxel_volume(mask.ndim(), spacing)?;
    let area = count(&mask.to_owned()) as f64 * voxel;
    Ok(area / area_convex(mask, spacing)?)
}

/// The maximum Feret diameter, scikit-image's `feret_diameter_max`: the
/// largest distance, scaled by `spacing`, between two points of the
/// iso-0.5 contour (2-D, marching squares) or surface (3-D, marching cubes)
/// of the convex hull image. Those points are the midpoints of the grid
/// edges joining a hull voxel to a non-hull voxel.
///
/// Fails with [`Error::InvalidArgument`] when the hull image is empty (a
/// coplanar 3-D object), where scikit-image raises too, and for ranks other
/// than 2 and 3.
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::regionprops::feret_diameter_max;
/// let bar = ArrayD::from_elem(vec![1, 10], true);
/// assert_eq!(feret_diameter_max(bar.view(), &[1.0, 1.0])?, 10.0);
/// assert_eq!(feret_diameter_max(bar.view(), &[1.0, 0.5])?, 5.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn feret_diameter_max(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let ndim = mask.ndim();
    voxel_volume(ndim, spacing)?;
    let hull = image_convex(mask)?;
    let mut contour: Vec<f64> = Vec::new();
    for axis in 0..ndim {
        let outer: Vec<usize> = hull
            .shape()
            .iter()
            .enumerate()
            .map(|(k, &n)| if k == axis { 1 } else { n })
            .collect();
        for_each_index(&outer, |index| {
            let mut at = index.to_vec();
            let n = hull.shape()[axis];
            let set = |i: usize, at: &mut Vec<usize>| {
                at[axis] = i;
                hull[at.as_slice()]
            };
            let first = (0..n).find(|&i| set(i, &mut at));
            let last = (0..n).rev().find(|&i| set(i, &mut at));
            if let (Some(first), Some(last)) = (first, last) {
                for (i, delta) in [(first, -0.5), (last, 0.5)] {
                    contour.extend((0..ndim).map(|k| {
                        let c = if k == axis {
                            i as f64 + delta
                        } else {
                            index[k] as f64
                        };
                        c * spacing[k]
                    }));
                }
            }
        });
    }
    if contour.is_empty() {
        return Err(Error::InvalidArgument(
            "feret_diameter_max: the object has no convex hull (its voxels are coplanar)".into(),
        ));
    }
    Ok(farthest_pair(&contour, ndim).sqrt())
}

/// The largest squared distance between two of the points (`ndim` values
/// each, packed), pruned by each point's distance to the centroid.
fn farthest_pair(points: &[f64], ndim: usize) -> f64 {
    let n = points.len() / ndim;
    let centroid: Vec<f64> = (0..ndim)
        .map(|k| (0..n).map(|i| points[i * ndim + k]).sum::<f64>() / n as f64)
        .collect();
    let point = |i: usize| &points[i * ndim..(i + 1) * ndim];
    let dist2 =
        |a: &[f64], b: &[f64]| -> f64 { a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum() };
    let mut order: Vec<(f64, usize)> = (0..n)
        .map(|i| (dist2(point(i), &centroid).sqrt(), i))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut best = 0.0f64;
    for (a, &(ra, i)) in order.iter().enumerate() {
        let bound = best.sqrt() * (1.0 - 1e-9);
        if ra + order[0].0 < bound {
            break;
        }
        for &(rb, j) in &order[a + 1..] {
            if ra + rb < bound {
                break;
            }
            best = best.max(dist2(point(i), point(j)));
        }
    }
    best
}

/// Number of true voxels.
fn count(mask: &ArrayD<bool>) -> usize {
    mask.iter().filter(|&&v| v).count()
}

/// Calls `f` with every index of an array of `shape`, in C order.
fn for_each_index(shape: &[usize], mut f: impl FnMut(&[usize])) {
    if shape.contains(&0) {
        return;
    }
    let mut index = vec![0; shape.len()];
    loop {
        f(&index);
        let mut k = shape.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
}

/// The first and last set voxel of every line along the last axis, as
/// doubled coordinates: every hull vertex is among them.
fn line_extremes(mask: &ArrayViewD<'_, bool>) -> Vec<Vec<i64>> {
    let last = mask.ndim().saturating_sub(1);
    let mut out = Vec::new();
    if mask.ndim() == 0 {
        return out;
    }
    for (lane_index, lane) in mask.lanes(Axis(last)).into_iter().enumerate() {
        let first = lane.iter().position(|&v| v);
        let end = lane.iter().rposition(|&v| v);
        if let (Some(first), Some(end)) = (first, end) {
            let mut outer = Vec::with_capacity(mask.ndim());
            let mut rest = lane_index;
            for k in (0..last).rev() {
                outer.push(rest % mask.shape()[k]);
                rest /= mask.shape()[k];
            }
            outer.reverse();
            for x in if first == end {
                vec![first]
            } else {
                vec![first, end]
            } {
                let mut p: Vec<i64> = outer.iter().map(|&c| 2 * c as i64).collect();
                p.push(2 * x as i64);
                out.push(p);
            }
        }
    }
    out
}

/// The points `p ± 1` along each axis (doubled face centres) of every point,
/// without repeats.
fn with_face_centres(points: &[Vec<i64>], ndim: usize) -> Vec<Vec<i64>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in points {
        for k in 0..ndim {
            for d in [-1, 1] {
                let mut q = p.clone();
                q[k] += d;
                if seen.insert(q.clone()) {
                    out.push(q);
                }
            }
        }
    }
    out
}

/// The dimension of the affine hull of 3-D points (0 to 3; -1 when empty
/// is reported as 0).
fn affine_rank(points: &[Vec<i64>]) -> usize {
    let Some(p0) = points.first() else {
        return 0;
    };
    let Some(p1) = points.iter().find(|p| *p != p0) else {
        return 0;
    };
    let u = sub(p1, p0);
    let Some(p2) = points.iter().find(|p| cross(&u, &sub(p, p0)) != [0, 0, 0]) else {
        return 1;
    };
    let normal = cross(&u, &sub(p2, p0));
    if points.iter().any(|p| dot(&normal, &sub(p, p0)) != 0) {
        3
    } else {
        2
    }
}

fn sub(a: &[i64], b: &[i64]) -> [i64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: &[i64; 3], b: &[i64; 3]) -> [i64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: &[i64; 3], b: &[i64; 3]) -> i64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// The edges of the convex hull of 2-D points (Andrew's monotone chain) as
/// half-spaces.
fn hull_2d(points: &[Vec<i64>]) -> Vec<HalfSpace> {
    let mut pts: Vec<[i64; 2]> = points.iter().map(|p| [p[0], p[1]]).collect();
    pts.sort_unstable();
    pts.dedup();
    if pts.len() < 3 {
        return Vec::new();
    }
    let turn = |o: [i64; 2], a: [i64; 2], b: [i64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<[i64; 2]> = Vec::with_capacity(2 * pts.len());
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &[i64; 2]>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && turn(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    // Counter-clockwise in (row, col): the inside is to the left of each edge,
    // cross(b - a, q - a) >= 0, i.e. (u1, -u0) · q <= (u1, -u0) · a.
    (0..hull.len())
        .map(|i| {
            let a = hull[i];
            let b = hull[(i + 1) % hull.len()];
            let u = [b[0] - a[0], b[1] - a[1]];
            let normal = vec![u[1], -u[0]];
            HalfSpace {
                offset: normal[0] * a[0] + normal[1] * a[1],
                normal,
            }
        })
        .collect()
}

/// The faces of the convex hull of 3-D points (incremental construction with
/// exact integer orientation tests) as half-spaces. The points must not be
/// coplanar.
fn hull_3d(points: &[Vec<i64>]) -> Vec<HalfSpace> {
    let pts: Vec<[i64; 3]> = points.iter().map(|p| [p[0], p[1], p[2]]).collect();
    let orient = |f: &[usize; 3], p: usize| -> i64 {
        let n = cross(&sub(&pts[f[1]], &pts[f[0]]), &sub(&pts[f[2]], &pts[f[0]]));
        dot(&n, &sub(&pts[p], &pts[f[0]]))
    };
    let Some(seed) = initial_tetrahedron(&pts) else {
        return Vec::new();
    };
    let [a, b, c, d] = seed;
    let mut faces: Vec<[usize; 3]> = [[a, b, c, d], [a, d, b, c], [b, d, c, a], [c, d, a, b]]
        .iter()
        .map(|&[x, y, z, opposite]| {
            if orient(&[x, y, z], opposite) > 0 {
                [x, z, y]
            } else {
                [x, y, z]
            }
        })
        .collect();
    for p in 0..pts.len() {
        if seed.contains(&p) {
            continue;
        }
        let visible: Vec<bool> = faces.iter().map(|f| orient(f, p) > 0).collect();
        if !visible.contains(&true) {
            continue;
        }
        let edges: HashSet<(usize, usize)> = faces
            .iter()
            .zip(&visible)
            .filter(|(_, &v)| v)
            .flat_map(|(f, _)| [(f[0], f[1]), (f[1], f[2]), (f[2], f[0])])
            .collect();
        let horizon: Vec<(usize, usize)> = edges
            .iter()
            .filter(|&&(u, v)| !edges.contains(&(v, u)))
            .copied()
            .collect();
        let mut kept: Vec<[usize; 3]> = faces
            .iter()
            .zip(&visible)
            .filter(|(_, &v)| !v)
            .map(|(f, _)| *f)
            .collect();
        kept.extend(horizon.into_iter().map(|(u, v)| [u, v, p]));
        faces = kept;
    }
    faces
        .iter()
        .map(|f| {
            let n = cross(&sub(&pts[f[1]], &pts[f[0]]), &sub(&pts[f[2]], &pts[f[0]]));
            HalfSpace {
                offset: dot(&n, &pts[f[0]]),
                normal: n.to_vec(),
            }
        })
        .collect()
}

/// Four points spanning 3-D space, if any.
fn initial_tetrahedron(pts: &[[i64; 3]]) -> Option<[usize; 4]> {
    let a = 0;
    let b = (0..pts.len()).find(|&i| pts[i] != pts[a])?;
    let u = sub(&pts[b], &pts[a]);
    let c = (0..pts.len()).find(|&i| cross(&u, &sub(&pts[i], &pts[a])) != [0, 0, 0])?;
    let n = cross(&u, &sub(&pts[c], &pts[a]));
    let d = (0..pts.len()).find(|&i| dot(&n, &sub(&pts[i], &pts[a])) != 0)?;
    Some([a, b, c, d])
}
