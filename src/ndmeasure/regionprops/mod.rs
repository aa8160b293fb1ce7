//! Region properties after scikit-image's `regionprops`.

mod image_convex;
mod image_props;
mod object_image;

pub use image_convex::{
    area_convex, feret_diameter_max, feret_diameter_max_of_convex, image_convex, solidity,
};
pub use image_props::{
    area_filled, coords, euler_number, image, image_filled, image_intensity, intensity_median,
    perimeter, perimeter_crofton,
};
pub use object_image::{map_objects, ObjectImage};
