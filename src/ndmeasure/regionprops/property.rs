//! [`Property`]: the region properties by their scikit-image names, and their table columns.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

macro_rules! properties {
    ($($variant:ident => $name:literal,)*) => {
        /// A region property of scikit-image's `regionprops`, by its scikit-image 0.26 name.
        ///
        /// Names parse from strings; unknown names are refused with the list of known ones.
        ///
        /// ```
        /// use tesserae::ndmeasure::Property;
        /// let p: Property = "inertia_tensor".parse()?;
        /// assert_eq!(p, Property::InertiaTensor);
        /// assert_eq!(p.name(), "inertia_tensor");
        /// assert!("inertia".parse::<Property>().is_err());
        /// # Ok::<(), tesserae::Error>(())
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Property {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
        }

        impl Property {
            /// Every property: the one-pass ones, then those that need the object image.
            pub const ALL: &'static [Property] = &[$(Property::$variant,)*];

            /// The scikit-image name.
            ///
            /// ```
            /// assert_eq!(tesserae::ndmeasure::Property::AreaBbox.name(), "area_bbox");
            /// ```
            pub fn name(self) -> &'static str {
                match self {
                    $(Property::$variant => $name,)*
                }
            }
        }
    };
}

properties! {
    Label => "label",
    Area => "area",
    NumPixels => "num_pixels",
    Bbox => "bbox",
    AreaBbox => "area_bbox",
    Extent => "extent",
    Centroid => "centroid",
    CentroidLocal => "centroid_local",
    Moments => "moments",
    MomentsCentral => "moments_central",
    MomentsNormalized => "moments_normalized",
    MomentsHu => "moments_hu",
    InertiaTensor => "inertia_tensor",
    InertiaTensorEigvals => "inertia_tensor_eigvals",
    AxisMajorLength => "axis_major_length",
    AxisMinorLength => "axis_minor_length",
    Eccentricity => "eccentricity",
    Orientation => "orientation",
    EquivalentDiameterArea => "equivalent_diameter_area",
    IntensityMin => "intensity_min",
    IntensityMax => "intensity_max",
    IntensityMean => "intensity_mean",
    IntensityStd => "intensity_std",
    CentroidWeighted => "centroid_weighted",
    CentroidWeightedLocal => "centroid_weighted_local",
    MomentsWeighted => "moments_weighted",
    MomentsWeightedCentral => "moments_weighted_central",
    MomentsWeightedNormalized => "moments_weighted_normalized",
    MomentsWeightedHu => "moments_weighted_hu",
    Perimeter => "perimeter",
    PerimeterCrofton => "perimeter_crofton",
    EulerNumber => "euler_number",
    AreaConvex => "area_convex",
    Solidity => "solidity",
    FeretDiameterMax => "feret_diameter_max",
    AreaFilled => "area_filled",
    IntensityMedian => "intensity_median",
    Image => "image",
    ImageIntensity => "image_intensity",
    Coords => "coords",
}

impl Property {
    /// True for the properties computed from each object's image in a second
    /// pass over its bounding box (perimeter, convex hull, median, …); the
    /// others accumulate in one pass over the chunks.
    ///
    /// ```
    /// use tesserae::ndmeasure::Property;
    /// assert!(Property::Solidity.needs_object_image());
    /// assert!(!Property::InertiaTensor.needs_object_image());
    /// ```
    pub fn needs_object_image(self) -> bool {
        use Property::*;
        matches!(
            self,
            Perimeter
                | PerimeterCrofton
                | EulerNumber
                | AreaConvex
                | Solidity
                | FeretDiameterMax
                | AreaFilled
                | IntensityMedian
                | Image
                | ImageIntensity
                | Coords
        )
    }

    /// True for the properties that need an intensity image.
    ///
    /// ```
    /// assert!(tesserae::ndmeasure::Property::IntensityMean.needs_intensity());
    /// ```
    pub fn needs_intensity(self) -> bool {
        use Property::*;
        matches!(
            self,
            IntensityMin
                | IntensityMax
                | IntensityMean
                | IntensityStd
                | IntensityMedian
                | CentroidWeighted
                | CentroidWeightedLocal
                | MomentsWeighted
                | MomentsWeightedCentral
                | MomentsWeightedNormalized
                | MomentsWeightedHu
                | ImageIntensity
        )
    }

    /// True for the properties scikit-image defines for 2-D images only.
    ///
    /// ```
    /// assert!(tesserae::ndmeasure::Property::Orientation.only_2d());
    /// ```
    pub fn only_2d(self) -> bool {
        use Property::*;
        matches!(
            self,
            MomentsHu
                | Eccentricity
                | Orientation
                | MomentsWeightedHu
                | Perimeter
                | PerimeterCrofton
        )
    }

    /// True for the properties whose value is an array of varying shape
    /// (`image`, `image_intensity`, `coords`): available through the Rust API,
    /// never as table columns (scikit-image's object columns).
    ///
    /// ```
    /// assert!(tesserae::ndmeasure::Property::Coords.is_object());
    /// ```
    pub fn is_object(self) -> bool {
        matches!(
            self,
            Property::Image | Property::ImageIntensity | Property::Coords
        )
    }

    /// True for the properties with integer columns (`label`, `bbox`, `num_pixels`, `euler_number`).
    ///
    /// ```
    /// assert!(tesserae::ndmeasure::Property::Bbox.is_integer());
    /// ```
    pub fn is_integer(self) -> bool {
        use Property::*;
        matches!(self, Label | Bbox | NumPixels | EulerNumber)
    }

    /// The shape of the property's value for an `ndim`-d label image and an
    /// intensity image with `channels` channels (`None`: no channel axis);
    /// empty for a scalar.
    ///
    /// ```
    /// use tesserae::ndmeasure::Property;
    /// assert_eq!(Property::InertiaTensor.value_shape(3, None), vec![3, 3]);
    /// assert_eq!(Property::CentroidWeighted.value_shape(2, Some(3)), vec![2, 3]);
    /// assert!(Property::Area.value_shape(2, Some(3)).is_empty());
    /// ```
    pub fn value_shape(self, ndim: usize, channels: Option<usize>) -> Vec<usize> {
        use Property::*;
        let spatial = match self {
            Bbox => vec![2 * ndim],
            Centroid
            | CentroidLocal
            | InertiaTensorEigvals
            | CentroidWeighted
            | CentroidWeightedLocal => vec![ndim],
            Moments
            | MomentsCentral
            | MomentsNormalized
            | MomentsWeighted
            | MomentsWeightedCentral
            | MomentsWeightedNormalized => vec![4; ndim],
            MomentsHu | MomentsWeightedHu => vec![7],
            InertiaTensor => vec![ndim, ndim],
            _ => Vec::new(),
        };
        match channels {
            Some(c) if self.needs_intensity() && !self.is_object() => {
                let mut shape = spatial;
                shape.push(c);
                shape
            }
            _ => spatial,
        }
    }

    /// The `regionprops_table` column names of the property: the name for a
    /// scalar, else `name-i-j…` for every index of its value in C order.
    ///
    /// ```
    /// use tesserae::ndmeasure::Property;
    /// assert_eq!(Property::Bbox.columns(2, None), ["bbox-0", "bbox-1", "bbox-2", "bbox-3"]);
    /// assert_eq!(Property::IntensityMean.columns(2, Some(2)), ["intensity_mean-0", "intensity_mean-1"]);
    /// assert_eq!(Property::Area.columns(3, None), ["area"]);
    /// ```
    pub fn columns(self, ndim: usize, channels: Option<usize>) -> Vec<String> {
        column_names(self.name(), &self.value_shape(ndim, channels))
    }
}

/// Column names of a value of shape `shape` named `name`: `name` for a
/// scalar, else `name-i-j…` in C order.
pub(crate) fn column_names(name: &str, shape: &[usize]) -> Vec<String> {
    if shape.is_empty() {
        return vec![name.to_string()];
    }
    let total: usize = shape.iter().product();
    (0..total)
        .map(|mut linear| {
            let mut index = vec![0; shape.len()];
            for (i, n) in index.iter_mut().zip(shape).rev() {
                *i = linear % n;
                linear /= n;
            }
            let parts: Vec<String> = index.iter().map(|i| i.to_string()).collect();
            format!("{name}-{}", parts.join("-"))
        })
        .collect()
}

impl FromStr for Property {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let name = s.trim();
        Property::ALL
            .iter()
            .copied()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Property::ALL.iter().map(|p| p.name()).collect();
                Error::InvalidArgument(format!(
                    "unknown region property '{name}' (known: {})",
                    known.join(", ")
                ))
            })
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
