//! The one-pass properties of one object in closed form from its accumulator,
//! with scikit-image 0.26's definitions (`_regionprops.py`, `_moments.py`).

use std::cell::OnceCell;
use std::f64::consts::PI;

use crate::ndmeasure::regionprops::Property;
use crate::ndmeasure::regionprops::accumulate::{Plan, RegionAcc};
use crate::ndmeasure::regionprops::moments::{
    eigvals_symmetric, hu, index_of, inertia_tensor, normalized, scale, shift,
};

/// One object's accumulator with its derived quantities, computed on first use.
pub(crate) struct Object<'a> {
    acc: &'a RegionAcc,
    plan: &'a Plan,
    spacing: &'a [f64],
    channels: Option<usize>,
    raw: OnceCell<Vec<f64>>,
    central: OnceCell<Vec<f64>>,
    inertia: OnceCell<Vec<f64>>,
    eigvals: OnceCell<Vec<f64>>,
    weighted_raw: OnceCell<Vec<Vec<f64>>>,
    weighted_central: OnceCell<Vec<Vec<f64>>>,
}

impl<'a> Object<'a> {
    pub(crate) fn new(
        acc: &'a RegionAcc,
        plan: &'a Plan,
        spacing: &'a [f64],
        channels: Option<usize>,
    ) -> Self {
        Object {
            acc,
            plan,
            spacing,
            channels,
            raw: OnceCell::new(),
            central: OnceCell::new(),
            inertia: OnceCell::new(),
            eigvals: OnceCell::new(),
            weighted_raw: OnceCell::new(),
            weighted_central: OnceCell::new(),
        }
    }

    fn ndim(&self) -> usize {
        self.plan.ndim
    }

    fn pixel_area(&self) -> f64 {
        self.spacing.iter().product()
    }

    fn area(&self) -> f64 {
        self.acc.count as f64 * self.pixel_area()
    }

    fn area_bbox(&self) -> f64 {
        let voxels: f64 = (0..self.ndim())
            .map(|d| (self.acc.hi[d] + 1 - self.acc.lo[d]) as f64)
            .product();
        voxels * self.pixel_area()
    }

    /// Moments about the bounding box's start, in physical units (`moments`).
    fn local(&self, moments: &[f64], order: usize) -> Vec<f64> {
        let mut m = moments.to_vec();
        let delta: Vec<f64> = (0..self.ndim())
            .map(|d| (self.acc.origin[d] - self.acc.lo[d] as i64) as f64)
            .collect();
        shift(&mut m, self.ndim(), order, &delta);
        scale(&mut m, self.ndim(), order, self.spacing);
        m
    }

    /// Moments about their own centroid, in physical units (`moments_central`).
    fn centered(&self, moments: &[f64], order: usize) -> Vec<f64> {
        let mut m = moments.to_vec();
        let delta: Vec<f64> = (0..self.ndim())
            .map(|d| -m[self.unit(d, order)] / m[0])
            .collect();
        shift(&mut m, self.ndim(), order, &delta);
        scale(&mut m, self.ndim(), order, self.spacing);
        m
    }

    /// Linear index of the first-order moment along `axis`.
    fn unit(&self, axis: usize, order: usize) -> usize {
        let mut p = vec![0; self.ndim()];
        p[axis] = 1;
        index_of(&p, order)
    }

    fn raw(&self) -> &[f64] {
        self.raw
            .get_or_init(|| self.local(&self.acc.moments, self.plan.order))
    }

    fn central(&self) -> &[f64] {
        self.central
            .get_or_init(|| self.centered(&self.acc.moments, self.plan.order))
    }

    fn inertia(&self) -> &[f64] {
        self.inertia
            .get_or_init(|| inertia_tensor(self.central(), self.ndim()))
    }

    fn eigvals(&self) -> &[f64] {
        self.eigvals
            .get_or_init(|| eigvals_symmetric(self.inertia(), self.ndim()))
    }

    fn weighted_raw(&self) -> &[Vec<f64>] {
        self.weighted_raw.get_or_init(|| {
            self.acc
                .channels
                .iter()
                .map(|c| self.local(&c.weighted, self.plan.weighted_order))
                .collect()
        })
    }

    fn weighted_central(&self) -> &[Vec<f64>] {
        self.weighted_central.get_or_init(|| {
            self.acc
                .channels
                .iter()
                .map(|c| self.centered(&c.weighted, self.plan.weighted_order))
                .collect()
        })
    }

    fn centroid_local(&self) -> Vec<f64> {
        let raw = self.raw();
        let order = self.plan.order;
        (0..self.ndim())
            .map(|d| raw[self.unit(d, order)] / raw[0])
            .collect()
    }

    /// Per channel, the weighted centroid relative to the bounding box.
    fn centroid_weighted_local(&self) -> Vec<Vec<f64>> {
        let order = self.plan.weighted_order;
        self.weighted_raw()
            .iter()
            .map(|m| {
                (0..self.ndim())
                    .map(|d| m[self.unit(d, order)] / m[0])
                    .collect()
            })
            .collect()
    }

    /// Interleaves per-channel values (`per_channel[c][i]`) in C order with
    /// the channel last, or returns channel 0's alone without a channel axis.
    fn by_channel(&self, per_channel: Vec<Vec<f64>>) -> Vec<f64> {
        match self.channels {
            None => per_channel.into_iter().next().unwrap_or_default(),
            Some(c) => {
                let n = per_channel.first().map_or(0, Vec::len);
                (0..n)
                    .flat_map(|i| per_channel.iter().take(c).map(move |v| v[i]))
                    .collect()
            }
        }
    }

    fn channel_values(&self, f: impl Fn(&super::accumulate::Channel) -> f64) -> Vec<f64> {
        self.by_channel(self.acc.channels.iter().map(|c| vec![f(c)]).collect())
    }

    /// The values of a one-pass property, in C order of its value shape.
    pub(crate) fn values(&self, property: Property) -> Vec<f64> {
        use Property::*;
        let ndim = self.ndim();
        let acc = self.acc;
        match property {
            Area => vec![self.area()],
            NumPixels => vec![acc.count as f64],
            Bbox => acc
                .lo
                .iter()
                .map(|&v| v as f64)
                .chain(acc.hi.iter().map(|&v| (v + 1) as f64))
                .collect(),
            AreaBbox => vec![self.area_bbox()],
            Extent => vec![self.area() / self.area_bbox()],
            Centroid => self
                .centroid_local()
                .iter()
                .enumerate()
                .map(|(d, c)| c + acc.lo[d] as f64 * self.spacing[d])
                .collect(),
            CentroidLocal => self.centroid_local(),
            Moments => self.raw().to_vec(),
            MomentsCentral => self.central().to_vec(),
            MomentsNormalized => normalized(self.central(), ndim, self.spacing),
            MomentsHu => hu(&normalized(self.central(), ndim, self.spacing)),
            InertiaTensor => self.inertia().to_vec(),
            InertiaTensorEigvals => self.eigvals().to_vec(),
            AxisMajorLength => {
                let ev = self.eigvals();
                vec![if ndim == 2 {
                    4.0 * ev[0].sqrt()
                } else {
                    (10.0 * (ev[0] + ev[1] - ev[2])).max(0.0).sqrt()
                }]
            }
            AxisMinorLength => {
                let ev = self.eigvals();
                vec![if ndim == 2 {
                    4.0 * ev[ndim - 1].sqrt()
                } else {
                    (10.0 * (-ev[0] + ev[1] + ev[2])).max(0.0).sqrt()
                }]
            }
            Eccentricity => {
                let ev = self.eigvals();
                vec![if ev[0] == 0.0 {
                    0.0
                } else {
                    (1.0 - ev[1] / ev[0]).sqrt()
                }]
            }
            Orientation => {
                let t = self.inertia();
                let (a, b, c) = (t[0], t[1], t[3]);
                vec![if a - c == 0.0 {
                    if b < 0.0 { PI / 4.0 } else { -PI / 4.0 }
                } else {
                    0.5 * (-2.0 * b).atan2(c - a)
                }]
            }
            EquivalentDiameterArea => {
                vec![(2.0 * ndim as f64 * self.area() / PI).powf(1.0 / ndim as f64)]
            }
            IntensityMin => self.channel_values(|c| c.min),
            IntensityMax => self.channel_values(|c| c.max),
            IntensityMean => self.channel_values(|c| c.sum / acc.count as f64),
            IntensityStd => self.channel_values(|c| (c.m2 / acc.count as f64).sqrt()),
            CentroidWeightedLocal => self.by_channel(self.centroid_weighted_local()),
            CentroidWeighted => self.by_channel(
                self.centroid_weighted_local()
                    .into_iter()
                    .map(|c| {
                        c.iter()
                            .enumerate()
                            .map(|(d, v)| v + acc.lo[d] as f64 * self.spacing[d])
                            .collect()
                    })
                    .collect(),
            ),
            MomentsWeighted => self.by_channel(self.weighted_raw().to_vec()),
            MomentsWeightedCentral => self.by_channel(self.weighted_central().to_vec()),
            MomentsWeightedNormalized => self.by_channel(
                self.weighted_central()
                    .iter()
                    .map(|m| normalized(m, ndim, self.spacing))
                    .collect(),
            ),
            MomentsWeightedHu => self.by_channel(
                self.weighted_central()
                    .iter()
                    .map(|m| hu(&normalized(m, ndim, self.spacing)))
                    .collect(),
            ),
            Label | Perimeter | PerimeterCrofton | EulerNumber | AreaConvex | Solidity
            | FeretDiameterMax | AreaFilled | IntensityMedian | Image | ImageIntensity | Coords => {
                Vec::new()
            }
        }
    }
}
