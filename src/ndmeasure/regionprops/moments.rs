//! Moment algebra in closed form: power sums of runs, moving moments to
//! another origin, scaling by the voxel size, normalised and Hu moments, the
//! inertia tensor and its eigenvalues — scikit-image's definitions.

/// `sum_{t = x0}^{x0 + len - 1} t^j` for `j` in `0..=order`, exact in integers.
pub(crate) fn power_sums(x0: i64, len: i64, order: usize) -> [f64; 4] {
    let end = x0 + len;
    let mut out = [0.0; 4];
    // F_j(n) = sum_{t=0}^{n-1} t^j, polynomials valid for every integer n;
    // in i64 while n^4 cannot overflow, else in i128.
    if x0.abs().max(end.abs()) < 1 << 15 {
        let f = |n: i64| -> [i64; 4] {
            let f1 = n * (n - 1) / 2;
            [n, f1, (n - 1) * n * (2 * n - 1) / 6, f1 * f1]
        };
        let (a, b) = (f(x0), f(end));
        for j in 0..=order.min(3) {
            out[j] = (b[j] - a[j]) as f64;
        }
    } else {
        let f = |n: i128| -> [i128; 4] {
            let f1 = n * (n - 1) / 2;
            [n, f1, (n - 1) * n * (2 * n - 1) / 6, f1 * f1]
        };
        let (a, b) = (f(x0 as i128), f(end as i128));
        for j in 0..=order.min(3) {
            out[j] = (b[j] - a[j]) as f64;
        }
    }
    out
}

/// Binomial coefficients `C(p, q)` for `p, q <= 3`.
const BINOMIAL: [[f64; 4]; 4] = [
    [1.0, 0.0, 0.0, 0.0],
    [1.0, 1.0, 0.0, 0.0],
    [1.0, 2.0, 1.0, 0.0],
    [1.0, 3.0, 3.0, 1.0],
];

/// Moves raw moments (C order over per-axis powers `0..=order`, `ndim` axes)
/// taken about a point `a` to the point `a - delta`: with `x - (a - delta) =
/// (x - a) + delta`, `M'[p] = sum_q C(p, q) delta^(p-q) M[q]`, axis by axis.
pub(crate) fn shift(moments: &mut [f64], ndim: usize, order: usize, delta: &[f64]) {
    if moments.is_empty() {
        return;
    }
    let n = order + 1;
    for (axis, &d) in delta.iter().enumerate().take(ndim) {
        if d == 0.0 {
            continue;
        }
        let mut powers = [1.0f64; 4];
        for k in 1..n {
            powers[k] = powers[k - 1] * d;
        }
        let stride = n.pow((ndim - 1 - axis) as u32);
        let outer = moments.len() / (stride * n);
        for o in 0..outer {
            for i in 0..stride {
                let base = o * stride * n + i;
                let mut v = [0.0f64; 4];
                for (k, vk) in v.iter_mut().enumerate().take(n) {
                    *vk = moments[base + k * stride];
                }
                for p in 0..n {
                    let mut acc = 0.0;
                    for q in 0..=p {
                        acc += BINOMIAL[p][q] * powers[p - q] * v[q];
                    }
                    moments[base + p * stride] = acc;
                }
            }
        }
    }
}

/// Multiplies every moment `M[p]` by `prod_d spacing[d]^p[d]` (moments in
/// physical coordinates, as scikit-image's `spacing`).
pub(crate) fn scale(moments: &mut [f64], ndim: usize, order: usize, spacing: &[f64]) {
    let n = order + 1;
    for (linear, m) in moments.iter_mut().enumerate() {
        let mut rest = linear;
        let mut factor = 1.0;
        for axis in (0..ndim).rev() {
            factor *= spacing[axis].powi((rest % n) as i32);
            rest /= n;
        }
        *m *= factor;
    }
}

/// The per-axis powers of the moment at `linear` (C order, powers `0..=order`).
pub(crate) fn powers_of(linear: usize, ndim: usize, order: usize) -> Vec<usize> {
    let n = order + 1;
    let mut p = vec![0; ndim];
    let mut rest = linear;
    for axis in (0..ndim).rev() {
        p[axis] = rest % n;
        rest /= n;
    }
    p
}

/// The linear index of the moment with per-axis powers `p`.
pub(crate) fn index_of(p: &[usize], order: usize) -> usize {
    p.iter().fold(0, |acc, &k| acc * (order + 1) + k)
}

/// scikit-image's `moments_normalized` (order 3): `mu[p] / scale^|p| /
/// mu0^(|p|/ndim + 1)` with `scale` the smallest spacing; NaN where `|p| < 2`.
pub(crate) fn normalized(central: &[f64], ndim: usize, spacing: &[f64]) -> Vec<f64> {
    let scale = spacing.iter().copied().fold(f64::INFINITY, f64::min);
    let mu0 = central[0];
    (0..central.len())
        .map(|i| {
            let total: usize = powers_of(i, ndim, 3).iter().sum();
            if total < 2 {
                f64::NAN
            } else {
                (central[i] / scale.powi(total as i32)) / mu0.powf(total as f64 / ndim as f64 + 1.0)
            }
        })
        .collect()
}

/// The seven Hu invariants of 2-D normalised moments (`nu[p][q]`, `p` along the first axis).
pub(crate) fn hu(nu: &[f64]) -> Vec<f64> {
    let m = |p: usize, q: usize| nu[p * 4 + q];
    let (n20, n02, n11) = (m(2, 0), m(0, 2), m(1, 1));
    let (n30, n03, n21, n12) = (m(3, 0), m(0, 3), m(2, 1), m(1, 2));
    let t0 = n30 + n12;
    let t1 = n21 + n03;
    let q0 = t0 * t0;
    let q1 = t1 * t1;
    let n4 = 4.0 * n11;
    let s = n20 + n02;
    let d = n20 - n02;
    let a = n30 - 3.0 * n12;
    let b = 3.0 * n21 - n03;
    vec![
        s,
        d * d + n4 * n11,
        a * a + b * b,
        q0 + q1,
        a * t0 * (q0 - 3.0 * q1) + b * t1 * (3.0 * q0 - q1),
        d * (q0 - q1) + n4 * t0 * t1,
        b * t0 * (q0 - 3.0 * q1) - a * t1 * (3.0 * q0 - q1),
    ]
}

/// scikit-image's `inertia_tensor` from central moments (order 3, any spacing
/// already applied): `T[i][i] = (sum_j mu[2e_j] - mu[2e_i]) / mu0`,
/// `T[i][j] = -mu[e_i + e_j] / mu0`. Row-major `ndim x ndim`.
pub(crate) fn inertia_tensor(central: &[f64], ndim: usize) -> Vec<f64> {
    let mu0 = central[0];
    let at = |p: &[usize]| central[index_of(p, 3)];
    let second: Vec<f64> = (0..ndim)
        .map(|i| {
            let mut p = vec![0; ndim];
            p[i] = 2;
            at(&p)
        })
        .collect();
    let total: f64 = second.iter().sum();
    let mut t = vec![0.0; ndim * ndim];
    for i in 0..ndim {
        t[i * ndim + i] = (total - second[i]) / mu0;
        for j in i + 1..ndim {
            let mut p = vec![0; ndim];
            p[i] = 1;
            p[j] = 1;
            let v = -at(&p) / mu0;
            t[i * ndim + j] = v;
            t[j * ndim + i] = v;
        }
    }
    t
}

/// Eigenvalues of a symmetric `n x n` matrix (row-major), clipped at 0 and
/// sorted descending, as scikit-image's `inertia_tensor_eigvals`. Cyclic
/// Jacobi rotations: accurate to rounding for the small matrices here.
pub(crate) fn eigvals_symmetric(matrix: &[f64], n: usize) -> Vec<f64> {
    let mut a = matrix.to_vec();
    for _ in 0..64 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        let diag: f64 = (0..n).map(|i| a[i * n + i] * a[i * n + i]).sum();
        if off <= f64::EPSILON * f64::EPSILON * diag || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
            }
        }
    }
    let mut values: Vec<f64> = (0..n).map(|i| a[i * n + i].max(0.0)).collect();
    values.sort_by(|x, y| y.total_cmp(x));
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_sums_match_loops() {
        for x0 in -7i64..7 {
            for len in 1..9 {
                let mut expected = [0.0; 4];
                for t in x0..x0 + len {
                    for (j, e) in expected.iter_mut().enumerate() {
                        *e += (t as f64).powi(j as i32);
                    }
                }
                assert_eq!(power_sums(x0, len, 3), expected);
            }
        }
    }

    #[test]
    fn power_sums_far_from_the_origin_are_exact() {
        let x0 = 1i64 << 20;
        let expected: f64 = (x0..x0 + 3).map(|t| (t as i128).pow(3) as f64).sum();
        assert_eq!(power_sums(x0, 3, 3)[3], expected);
        assert_eq!(power_sums(-x0, 2, 1), [2.0, (-2 * x0 + 1) as f64, 0.0, 0.0]);
    }

    #[test]
    fn shifting_moves_the_origin() {
        // Points (0, 1) and (2, 3) about the origin, then about (-1, 2).
        let points = [(0.0, 1.0), (2.0, 3.0)];
        let raw = |o: (f64, f64)| -> Vec<f64> {
            (0..16i32)
                .map(|i| {
                    points
                        .iter()
                        .map(|p| (p.0 - o.0).powi(i / 4) * (p.1 - o.1).powi(i % 4))
                        .sum()
                })
                .collect()
        };
        let mut m = raw((0.0, 0.0));
        shift(&mut m, 2, 3, &[1.0, -2.0]);
        assert_eq!(m, raw((-1.0, 2.0)));
    }

    #[test]
    fn jacobi_eigenvalues_of_a_known_matrix() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]] has eigenvalues 5, 3, 1.
        let e = eigvals_symmetric(&[2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0], 3);
        for (a, b) in e.iter().zip([5.0, 3.0, 1.0]) {
            assert!((a - b).abs() < 1e-14, "{e:?}");
        }
    }
}
