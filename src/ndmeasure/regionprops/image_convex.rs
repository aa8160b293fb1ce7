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
//! use tesserae::ndmeasure::{area_convex, image_convex, solidity};
//!
//! let l = array![[true, false, false], [true, false, false], [true, true, true]].into_dyn();
//! assert_eq!(image_convex(l.view())?.iter().filter(|&&v| v).count(), 6);
//! assert_eq!(area_convex(l.view(), &[1.0, 1.0])?, 6.0);
//! assert!((solidity(l.view(), &[1.0, 1.0])? - 5.0 / 6.0).abs() < 1e-15);
//! # Ok::<(), tesserae::Error>(())
//! ```

use std::collections::HashSet;

use ndarray::{ArrayD, ArrayViewD};

use crate::error::{Error, Result};
use crate::ndmeasure::regionprops::image_props::{Grid, voxel_volume};

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
/// use tesserae::ndmeasure::image_convex;
/// let corners = array![[true, false, true], [false, false, false], [true, false, false]].into_dyn();
/// let hull = image_convex(corners.view())?;
/// assert_eq!(hull, array![[true, true, true], [true, true, false], [true, false, false]].into_dyn());
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn image_convex(mask: ArrayViewD<'_, bool>) -> Result<ArrayD<bool>> {
    let ndim = mask.ndim();
    if ndim != 2 && ndim != 3 {
        return Err(Error::InvalidArgument(format!(
            "the convex hull is implemented for 2-D and 3-D images only, not {ndim}-D"
        )));
    }
    let grid = Grid::from_mask(&mask, 0, false, |m| m);
    let centres = extreme_voxels(&grid);
    let hull = if ndim == 2 {
        half_spaces_2d(&hull_2d(&with_face_centres(&centres)))
    } else if affine_rank(&centres) < 3 {
        Vec::new()
    } else {
        // As scikit-image does: the hull of the voxel centres first, then the
        // hull of its vertices' face centres.
        let vertices = hull_3d(&centres).map(|h| h.vertices()).unwrap_or_default();
        hull_3d(&with_face_centres(&vertices))
            .map(|h| h.half_spaces())
            .unwrap_or_default()
    };
    let mut out = vec![false; grid.data.len()];
    if !hull.is_empty() {
        let last = ndim - 1;
        let width = grid.shape[last] as i64;
        grid.for_each_row(0, 0, |row| {
            let index = unravel(&grid.strides, row.start);
            let (mut lo, mut hi) = (0i64, width - 1);
            for h in &hull {
                let rest: i64 = (0..last).map(|k| h.normal[k] * 2 * index[k]).sum();
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
            out[row.start + lo as usize..=row.start + hi as usize].fill(true);
        });
    }
    ArrayD::from_shape_vec(mask.shape(), out).map_err(|e| Error::Failed(e.to_string()))
}

/// The convex area, scikit-image's `area_convex`: voxels of [`image_convex`]
/// times the voxel volume (the product of `spacing`).
///
/// ```
/// use ndarray::ArrayD;
/// use tesserae::ndmeasure::area_convex;
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
/// use tesserae::ndmeasure::solidity;
/// let square = ArrayD::from_elem(vec![4, 4], true);
/// assert_eq!(solidity(square.view(), &[1.0, 1.0])?, 1.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn solidity(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let voxel = voxel_volume(mask.ndim(), spacing)?;
    let area = mask.iter().filter(|&&v| v).count() as f64 * voxel;
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
/// use tesserae::ndmeasure::feret_diameter_max;
/// let bar = ArrayD::from_elem(vec![1, 10], true);
/// assert_eq!(feret_diameter_max(bar.view(), &[1.0, 1.0])?, 10.0);
/// assert_eq!(feret_diameter_max(bar.view(), &[1.0, 0.5])?, 5.0);
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn feret_diameter_max(mask: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    voxel_volume(mask.ndim(), spacing)?;
    feret_diameter_max_of_convex(image_convex(mask)?.view(), spacing)
}

/// [`feret_diameter_max`] from the object's convex hull image (as
/// [`image_convex`] gives it), so that a hull computed once serves
/// `area_convex`, `solidity` and `feret_diameter_max`.
///
/// ```
/// use ndarray::array;
/// use tesserae::ndmeasure::{feret_diameter_max, feret_diameter_max_of_convex, image_convex};
/// let l = array![[true, false, false], [true, false, false], [true, true, true]].into_dyn();
/// let hull = image_convex(l.view())?;
/// assert_eq!(
///     feret_diameter_max_of_convex(hull.view(), &[1.0, 2.0])?,
///     feret_diameter_max(l.view(), &[1.0, 2.0])?,
/// );
/// # Ok::<(), tesserae::Error>(())
/// ```
pub fn feret_diameter_max_of_convex(hull: ArrayViewD<'_, bool>, spacing: &[f64]) -> Result<f64> {
    let ndim = hull.ndim();
    voxel_volume(ndim, spacing)?;
    if ndim != 2 && ndim != 3 {
        return Err(Error::InvalidArgument(format!(
            "feret_diameter_max is implemented for 2-D and 3-D images only, not {ndim}-D"
        )));
    }
    let grid = Grid::from_mask(&hull, 0, false, |m| m);
    let contour = contour_points(&grid);
    if contour.is_empty() {
        return Err(Error::InvalidArgument(
            "feret_diameter_max: the object has no convex hull (its voxels are coplanar)".into(),
        ));
    }
    let extreme = if ndim == 2 {
        hull_2d(&contour).iter().map(|p| p.to_vec()).collect()
    } else if affine_rank(&contour) == 3 {
        hull_3d(&contour).map(|h| h.vertices()).unwrap_or(contour)
    } else {
        contour
    };
    let scaled: Vec<f64> = extreme
        .iter()
        .flat_map(|p| p.iter().zip(spacing).map(|(&c, &s)| c as f64 / 2.0 * s))
        .collect();
    Ok(farthest_pair(&scaled, ndim).sqrt())
}

/// The iso-0.5 contour points of a binary grid, as doubled coordinates: the
/// midpoints of the grid edges between a set and an unset voxel (or the
/// outside), keeping on each axis line only the first and the last (the
/// others lie between them) and dropping those lying between their
/// neighbours on adjacent lines (not extreme either).
fn contour_points(grid: &Grid<bool>) -> Vec<Vec<i64>> {
    let ndim = grid.shape.len();
    let mut out = Vec::new();
    for axis in 0..ndim {
        // First and last set voxel of each line, by the line's start.
        let mut ends = vec![None; grid.data.len()];
        grid.for_each_line(axis, |start, stride, len| {
            let set = |i: usize| grid.data[start + i * stride];
            if let Some(first) = (0..len).find(|&i| set(i)) {
                let last = (0..len).rev().find(|&i| set(i)).unwrap_or(first);
                ends[start] = Some((first as i64, last as i64));
            }
        });
        grid.for_each_line(axis, |start, _, _| {
            let Some((first, last)) = ends[start] else {
                return;
            };
            let index = unravel(&grid.strides, start);
            let (mut keep_first, mut keep_last) = (true, true);
            for j in (0..ndim).filter(|&j| j != axis) {
                if index[j] == 0 || index[j] + 1 >= grid.shape[j] as i64 {
                    continue;
                }
                let (Some((f0, l0)), Some((f1, l1))) =
                    (ends[start - grid.strides[j]], ends[start + grid.strides[j]])
                else {
                    continue;
                };
                keep_first &= 2 * first < f0 + f1;
                keep_last &= 2 * last > l0 + l1;
            }
            for (keep, at) in [(keep_first, 2 * first - 1), (keep_last, 2 * last + 1)] {
                if keep {
                    let mut p: Vec<i64> = index.iter().map(|&c| 2 * c).collect();
                    p[axis] = at;
                    out.push(p);
                }
            }
        });
    }
    out
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

/// The coordinates of a flat index.
fn unravel(strides: &[usize], mut i: usize) -> Vec<i64> {
    strides
        .iter()
        .map(|&s| {
            let c = i / s;
            i %= s;
            c as i64
        })
        .collect()
}

/// The doubled coordinates of the voxels that are the first or the last set
/// voxel of their line along every axis: every vertex of the hull of the set
/// voxels' centres is among them (any other voxel lies between two set voxels).
fn extreme_voxels(grid: &Grid<bool>) -> Vec<Vec<i64>> {
    let ndim = grid.shape.len();
    let mut marks = vec![0u8; grid.data.len()];
    for axis in 0..ndim {
        grid.for_each_line(axis, |start, stride, len| {
            let set = |i: usize| grid.data[start + i * stride];
            if let Some(first) = (0..len).find(|&i| set(i)) {
                let last = (0..len).rev().find(|&i| set(i)).unwrap_or(first);
                marks[start + first * stride] |= 1 << axis;
                marks[start + last * stride] |= 1 << axis;
            }
        });
    }
    let all = (1u8 << ndim) - 1;
    marks
        .iter()
        .enumerate()
        .filter(|&(_, &m)| m == all)
        .map(|(i, _)| unravel(&grid.strides, i).iter().map(|c| 2 * c).collect())
        .collect()
}

/// The points `p ± 1` along each axis (doubled face centres) of every point,
/// without repeats.
fn with_face_centres(points: &[Vec<i64>]) -> Vec<Vec<i64>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in points {
        for k in 0..p.len() {
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

/// The dimension of the affine hull of 3-D points (0 when empty).
fn affine_rank(points: &[Vec<i64>]) -> usize {
    let pts: Vec<[i64; 3]> = points.iter().map(|p| [p[0], p[1], p[2]]).collect();
    match initial_tetrahedron(&pts) {
        Ok(_) => 3,
        Err(rank) => rank,
    }
}

fn sub(a: &[i64; 3], b: &[i64; 3]) -> [i64; 3] {
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

/// The vertices of the convex hull of 2-D points (Andrew's monotone chain),
/// counter-clockwise in (row, column), without collinear points.
fn hull_2d(points: &[Vec<i64>]) -> Vec<[i64; 2]> {
    let mut pts: Vec<[i64; 2]> = points.iter().map(|p| [p[0], p[1]]).collect();
    pts.sort_unstable();
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let turn = |o: [i64; 2], a: [i64; 2], b: [i64; 2]| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<[i64; 2]> = Vec::with_capacity(2 * pts.len());
    for pass in 0..2 {
        let start = hull.len();
        let mut push = |p: [i64; 2]| {
            while hull.len() >= start + 2
                && turn(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0
            {
                hull.pop();
            }
            hull.push(p);
        };
        if pass == 0 {
            pts.iter().for_each(|&p| push(p));
        } else {
            pts.iter().rev().for_each(|&p| push(p));
        }
        hull.pop();
    }
    hull
}

/// The edges of a counter-clockwise polygon as half-spaces: the inside is to
/// the left of each edge, cross(b - a, q - a) >= 0, i.e.
/// (u1, -u0) · q <= (u1, -u0) · a with u = b - a.
fn half_spaces_2d(polygon: &[[i64; 2]]) -> Vec<HalfSpace> {
    if polygon.len() < 3 {
        return Vec::new();
    }
    (0..polygon.len())
        .map(|i| {
            let a = polygon[i];
            let b = polygon[(i + 1) % polygon.len()];
            let normal = vec![b[1] - a[1], a[0] - b[0]];
            HalfSpace {
                offset: normal[0] * a[0] + normal[1] * a[1],
                normal,
            }
        })
        .collect()
}

/// A triangle of a 3-D hull, its vertices ordered so that its normal points out.
struct Face {
    vertices: [usize; 3],
    normal: [i64; 3],
    offset: i64,
}

/// A 3-D convex hull: its points and its faces.
struct Hull3 {
    points: Vec<[i64; 3]>,
    faces: Vec<Face>,
}

impl Hull3 {
    /// The hull's vertices (every point used by a face), once each.
    fn vertices(&self) -> Vec<Vec<i64>> {
        let mut used = vec![false; self.points.len()];
        for f in &self.faces {
            for &v in &f.vertices {
                used[v] = true;
            }
        }
        (0..self.points.len())
            .filter(|&i| used[i])
            .map(|i| self.points[i].to_vec())
            .collect()
    }

    /// The faces as half-spaces.
    fn half_spaces(&self) -> Vec<HalfSpace> {
        self.faces
            .iter()
            .filter(|f| f.normal != [0, 0, 0])
            .map(|f| HalfSpace {
                normal: f.normal.to_vec(),
                offset: f.offset,
            })
            .collect()
    }
}

/// The convex hull of 3-D points by incremental construction with exact
/// integer orientation tests (a point in the plane of a face does not see
/// it); `None` when the points are coplanar.
fn hull_3d(points: &[Vec<i64>]) -> Option<Hull3> {
    let pts: Vec<[i64; 3]> = points.iter().map(|p| [p[0], p[1], p[2]]).collect();
    let face = |v: [usize; 3]| {
        let normal = cross(&sub(&pts[v[1]], &pts[v[0]]), &sub(&pts[v[2]], &pts[v[0]]));
        Face {
            vertices: v,
            offset: dot(&normal, &pts[v[0]]),
            normal,
        }
    };
    let seed = initial_tetrahedron(&pts).ok()?;
    let [a, b, c, d] = seed;
    let mut faces: Vec<Face> = [[a, b, c, d], [a, d, b, c], [b, d, c, a], [c, d, a, b]]
        .iter()
        .map(|&[x, y, z, opposite]| {
            let f = face([x, y, z]);
            if dot(&f.normal, &pts[opposite]) > f.offset {
                face([x, z, y])
            } else {
                f
            }
        })
        .collect();
    for (p, point) in pts.iter().enumerate() {
        if seed.contains(&p) {
            continue;
        }
        let visible: Vec<usize> = (0..faces.len())
            .filter(|&f| dot(&faces[f].normal, point) > faces[f].offset)
            .collect();
        if visible.is_empty() {
            continue;
        }
        let edges: HashSet<(usize, usize)> = visible
            .iter()
            .flat_map(|&f| {
                let [x, y, z] = faces[f].vertices;
                [(x, y), (y, z), (z, x)]
            })
            .collect();
        for &f in visible.iter().rev() {
            faces.swap_remove(f);
        }
        faces.extend(
            edges
                .iter()
                .filter(|&&(u, v)| !edges.contains(&(v, u)))
                .map(|&(u, v)| face([u, v, p])),
        );
    }
    Some(Hull3 { points: pts, faces })
}

/// Four points spanning 3-D space, or the dimension of the points' affine
/// hull when there are none (0 for no points or one).
fn initial_tetrahedron(pts: &[[i64; 3]]) -> std::result::Result<[usize; 4], usize> {
    let a = 0;
    let Some(b) = (0..pts.len()).find(|&i| pts[i] != pts[a]) else {
        return Err(0);
    };
    let u = sub(&pts[b], &pts[a]);
    let Some(c) = (0..pts.len()).find(|&i| cross(&u, &sub(&pts[i], &pts[a])) != [0, 0, 0]) else {
        return Err(1);
    };
    let n = cross(&u, &sub(&pts[c], &pts[a]));
    let Some(d) = (0..pts.len()).find(|&i| dot(&n, &sub(&pts[i], &pts[a])) != 0) else {
        return Err(2);
    };
    Ok([a, b, c, d])
}
