//! The second regionprops pass: the object-image properties of every object,
//! from its bounding box read by [`map_objects`], only the kernels asked for.

use ndarray::{ArrayViewD, Axis};

use crate::Element;
use crate::engine::{Executor, Region, Source};
use crate::error::{Error, Result};
use crate::ndmeasure::labels::LabelValue;
use crate::ndmeasure::regionprops::image_convex::{feret_diameter_max_of_convex, image_convex};
use crate::ndmeasure::regionprops::image_props::{
    area_filled, euler_number, intensity_median, perimeter, perimeter_crofton,
};
use crate::ndmeasure::regionprops::object_image::map_objects;
use crate::ndmeasure::regionprops::{Property, with_channels};

/// What the second pass computes and how.
pub(crate) struct ImagePass<'a> {
    /// The object-image properties with columns, in table order.
    pub properties: Vec<Property>,
    pub spacing: &'a [f64],
    /// Channels of the intensity image (`None`: no channel axis).
    pub channels: Option<usize>,
    /// Bytes the boxes of one batch of objects may take together.
    pub budget: usize,
}

impl ImagePass<'_> {
    /// The values of every object of `objects` (label and bounding box), one
    /// vector per object: the columns of `self.properties` in order.
    pub(crate) fn run<L, S>(
        &self,
        exec: &Executor,
        labels: &L,
        intensity: Option<&S>,
        objects: &[(u64, Region)],
    ) -> Result<Vec<Vec<f64>>>
    where
        L: Source + ?Sized,
        L::Elem: LabelValue,
        S: Source + ?Sized,
    {
        let intensity = intensity.filter(|_| self.properties.iter().any(|p| p.needs_intensity()));
        match (intensity, self.channels) {
            (Some(source), Some(channels)) => {
                // map_objects reads boxes of the labels' shape: the channels
                // are read here, and counted in the budget.
                let label_bytes = std::mem::size_of::<L::Elem>() + 1;
                let all_bytes = label_bytes + channels * std::mem::size_of::<S::Elem>();
                let budget = self.budget / all_bytes * label_bytes;
                map_objects(exec, labels, None::<&S>, objects, budget, |o| {
                    let mut values = None;
                    source.read_view(&with_channels(&o.bbox, Some(channels)), &mut |crop| {
                        values = Some(self.values(o.mask.view(), Some(crop)));
                        Ok(())
                    })?;
                    values.ok_or_else(|| {
                        Error::Failed(format!("the source produced no block for {}", o.bbox))
                    })?
                })
            }
            _ => map_objects(exec, labels, intensity, objects, self.budget, |o| {
                self.values(o.mask.view(), o.intensity.clone())
            }),
        }
    }

    /// The requested values of one object from its mask and the intensity
    /// over its box (with the channel axis last when there are channels).
    fn values<T: Element>(
        &self,
        mask: ArrayViewD<'_, bool>,
        intensity: Option<ArrayViewD<'_, T>>,
    ) -> Result<Vec<f64>> {
        let voxel: f64 = self.spacing.iter().product();
        let hull = if self.properties.iter().any(|p| {
            matches!(
                p,
                Property::AreaConvex | Property::Solidity | Property::FeretDiameterMax
            )
        }) {
            Some(image_convex(mask.view())?)
        } else {
            None
        };
        let mut out = Vec::new();
        for &p in &self.properties {
            match p {
                Property::Perimeter => out.push(perimeter(mask.view(), self.spacing)?),
                Property::PerimeterCrofton => {
                    out.push(perimeter_crofton(mask.view(), self.spacing)?)
                }
                Property::EulerNumber => out.push(euler_number(mask.view())? as f64),
                Property::AreaFilled => out.push(area_filled(mask.view(), self.spacing)?),
                Property::AreaConvex | Property::Solidity | Property::FeretDiameterMax => {
                    let hull = hull
                        .as_ref()
                        .ok_or_else(|| Error::Failed("the convex hull was not computed".into()))?;
                    let convex = hull.iter().filter(|&&v| v).count() as f64 * voxel;
                    out.push(match p {
                        Property::AreaConvex => convex,
                        Property::Solidity => {
                            mask.iter().filter(|&&v| v).count() as f64 * voxel / convex
                        }
                        _ => feret_diameter_max_of_convex(hull.view(), self.spacing)?,
                    });
                }
                Property::IntensityMedian => {
                    let intensity = intensity.as_ref().ok_or_else(|| {
                        Error::InvalidArgument(
                            "region property 'intensity_median' needs an intensity image".into(),
                        )
                    })?;
                    match self.channels {
                        None => out.push(intensity_median(mask.view(), intensity.view())?),
                        Some(c) => {
                            for k in 0..c {
                                let channel = intensity.index_axis(Axis(mask.ndim()), k);
                                out.push(intensity_median(mask.view(), channel)?);
                            }
                        }
                    }
                }
                other => {
                    return Err(Error::Failed(format!(
                        "region property '{other}' is not an object-image column"
                    )));
                }
            }
        }
        Ok(out)
    }
}
