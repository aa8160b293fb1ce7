//! Voxel-size metadata: parsing and writing the descriptions that image files
//! carry (ImageJ `ImageDescription`s, OME-XML, tifffile's JSON shape
//! descriptions) and the TIFF resolution tags.
//!
//! Everything here is a pure function over strings and numbers; the readers
//! and writers in [`crate::io`] call them. Lengths are normalised to microns
//! (unit name `micron`) whenever the unit is a known length unit.

use crate::engine::VoxelSize;

/// The unit name voxel sizes are normalised to.
pub const MICRON: &str = "micron";

/// How many microns one `unit` is, for the length units microscopy files use.
///
/// Accepts SI spellings (`nm`, `µm`, `um`, `mm`, …), ImageJ's `micron` and its
/// escaped `\u00B5m`, and full names. Returns `None` for unknown units.
///
/// ```
/// use tesserae::io::metadata::microns_per_unit;
/// assert_eq!(microns_per_unit("nm"), Some(1e-3));
/// assert_eq!(microns_per_unit("µm"), Some(1.0));
/// assert_eq!(microns_per_unit("micron"), Some(1.0));
/// assert_eq!(microns_per_unit("furlong"), None);
/// ```
pub fn microns_per_unit(unit: &str) -> Option<f64> {
    let unit = unit.trim();
    let lower = unit.to_lowercase();
    let factor = match lower.as_str() {
        "µm" | "μm" | "um" | "micron" | "microns" | "micrometer" | "micrometre" | "micrometers"
        | "micrometres" | "\\u00b5m" => 1.0,
        "nm" | "nanometer" | "nanometre" | "nanometers" | "nanometres" => 1e-3,
        "pm" | "picometer" | "picometre" => 1e-6,
        "å" | "angstrom" | "ångström" => 1e-4,
        "mm" | "millimeter" | "millimetre" | "millimeters" | "millimetres" => 1e3,
        "cm" | "centimeter" | "centimetre" | "centimeters" | "centimetres" => 1e4,
        "dm" => 1e5,
        "m" | "meter" | "metre" | "meters" | "metres" => 1e6,
        "in" | "inch" | "inches" => 25_400.0,
        _ => return None,
    };
    Some(factor)
}

/// Converts per-axis extents in `unit` to microns when the unit is a known
/// length; otherwise keeps the extents and the unit as given. `pixel`-like
/// units mean "no physical unit".
///
/// ```
/// use tesserae::io::metadata::normalise;
/// let v = normalise(vec![200.0, 100.0], Some("nm"));
/// assert_eq!(v.size(), &[0.2, 0.1]);
/// assert_eq!(v.unit(), Some("micron"));
/// assert_eq!(normalise(vec![1.0], Some("pixel")).unit(), None);
/// ```
pub fn normalise(size: Vec<f64>, unit: Option<&str>) -> VoxelSize {
    match unit.map(str::trim) {
        None | Some("") => VoxelSize::new(size, None),
        Some(u) if u.eq_ignore_ascii_case("pixel") || u.eq_ignore_ascii_case("pixels") => {
            VoxelSize::new(size, None)
        }
        Some(u) => match microns_per_unit(u) {
            Some(f) => VoxelSize::new(size.iter().map(|s| s * f).collect(), Some(MICRON.into())),
            None => VoxelSize::new(size, Some(u.to_string())),
        },
    }
}

/// The fields of an ImageJ `ImageDescription` (`ImageJ=1.11a\nimages=…\n…`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImageJDescription {
    /// `images=`: number of planes in the file.
    pub images: Option<usize>,
    /// `channels=`.
    pub channels: Option<usize>,
    /// `slices=`: number of z-planes.
    pub slices: Option<usize>,
    /// `frames=`: number of time points.
    pub frames: Option<usize>,
    /// `spacing=`: the z step, in `unit`.
    pub spacing: Option<f64>,
    /// `unit=`: the length unit of the spacing and the resolution tags.
    pub unit: Option<String>,
}

impl ImageJDescription {
    /// Parses an ImageJ description; `None` when `text` is not one.
    ///
    /// ```
    /// use tesserae::io::metadata::ImageJDescription;
    /// let d = ImageJDescription::parse("ImageJ=1.53t\nimages=5\nslices=5\nunit=micron\nspacing=2.5\n").unwrap();
    /// assert_eq!(d.slices, Some(5));
    /// assert_eq!(d.spacing, Some(2.5));
    /// assert_eq!(d.unit.as_deref(), Some("micron"));
    /// assert!(ImageJDescription::parse("{\"shape\": [2, 3]}").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<ImageJDescription> {
        if !text.trim_start().starts_with("ImageJ=") {
            return None;
        }
        let mut d = ImageJDescription::default();
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "images" => d.images = value.parse().ok(),
                "channels" => d.channels = value.parse().ok(),
                "slices" => d.slices = value.parse().ok(),
                "frames" => d.frames = value.parse().ok(),
                "spacing" => d.spacing = value.parse().ok().filter(|s: &f64| positive(*s)),
                "unit" => d.unit = Some(value.to_string()),
                _ => {}
            }
        }
        Some(d)
    }

    /// True when the description counts channels or time points (its pages
    /// are not only z-planes).
    ///
    /// ```
    /// use tesserae::io::metadata::ImageJDescription;
    /// let d = ImageJDescription::parse("ImageJ=1.11a\nimages=6\nchannels=2\nslices=3\n").unwrap();
    /// assert!(d.has_channels_or_frames());
    /// ```
    pub fn has_channels_or_frames(&self) -> bool {
        self.channels.is_some_and(|c| c > 1) || self.frames.is_some_and(|f| f > 1)
    }

    /// The array shape the description implies for `pages` planes of
    /// `height × width`: `[frames, slices, channels, y, x]` keeping only axes
    /// longer than one (ImageJ's TZCYX order), or `None` when the counts do not
    /// match the number of pages.
    ///
    /// ```
    /// use tesserae::io::metadata::ImageJDescription;
    /// let d = ImageJDescription::parse("ImageJ=1.11a\nimages=6\nchannels=2\nslices=3\n").unwrap();
    /// assert_eq!(d.shape(6, 4, 5), Some(vec![3, 2, 4, 5]));
    /// assert_eq!(d.shape(5, 4, 5), None);
    /// ```
    pub fn shape(&self, pages: usize, height: usize, width: usize) -> Option<Vec<usize>> {
        let axes = [self.frames, self.slices, self.channels];
        let mut shape: Vec<usize> = axes.iter().flatten().copied().filter(|&n| n > 1).collect();
        if self.images.is_some_and(|images| images != pages) {
            return None;
        }
        if shape.is_empty() {
            if pages > 1 {
                shape.push(pages);
            }
        } else if shape.iter().product::<usize>() != pages {
            return None;
        }
        shape.extend([height, width]);
        Some(shape)
    }
}

/// The ImageJ description tesserae writes for a stack of `images` z-planes
/// (one plane when `images` is 1), with the z `spacing` and the length `unit`.
///
/// ```
/// use tesserae::io::metadata::imagej_description;
/// assert_eq!(
///     imagej_description(5, Some(2.0), Some("micron")),
///     "ImageJ=1.11a\nimages=5\nslices=5\nunit=micron\nspacing=2\nloop=false\n"
/// );
/// assert_eq!(imagej_description(1, None, None), "ImageJ=1.11a\n");
/// ```
pub fn imagej_description(images: usize, spacing: Option<f64>, unit: Option<&str>) -> String {
    let mut text = String::from("ImageJ=1.11a\n");
    if images > 1 {
        text.push_str(&format!("images={images}\nslices={images}\n"));
    }
    if let Some(unit) = unit {
        text.push_str(&format!("unit={}\n", sanitise(unit)));
    }
    if images > 1
        && let Some(spacing) = spacing
    {
        text.push_str(&format!("spacing={spacing}\nloop=false\n"));
    }
    text
}

/// The shape recorded in a tifffile JSON description (`{"shape": [2, 3, 64, 64]}`).
///
/// ```
/// use tesserae::io::metadata::shaped_description_shape;
/// assert_eq!(shaped_description_shape("{\"shape\": [2, 3, 64, 64]}"), Some(vec![2, 3, 64, 64]));
/// assert_eq!(shaped_description_shape("ImageJ=1.11a\n"), None);
/// ```
pub fn shaped_description_shape(text: &str) -> Option<Vec<usize>> {
    let value: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    value
        .get("shape")?
        .as_array()?
        .iter()
        .map(|n| n.as_u64().and_then(|n| usize::try_from(n).ok()))
        .collect()
}

/// The tifffile-style JSON description tesserae writes when an ImageJ
/// description cannot hold the array (more than three axes, or an element type
/// ImageJ does not read): the shape, plus the voxel size when known.
///
/// ```
/// use tesserae::io::metadata::{shaped_description, shaped_description_shape};
/// let text = shaped_description(&[2, 3, 4, 5], None);
/// assert_eq!(text, "{\"shape\":[2,3,4,5]}");
/// assert_eq!(shaped_description_shape(&text), Some(vec![2, 3, 4, 5]));
/// ```
pub fn shaped_description(shape: &[usize], voxel_size: Option<&VoxelSize>) -> String {
    let mut map = serde_json::Map::new();
    map.insert("shape".into(), serde_json::json!(shape));
    if let Some(v) = voxel_size {
        map.insert("spacing".into(), serde_json::json!(v.size()));
        if let Some(unit) = v.unit() {
            map.insert("unit".into(), serde_json::json!(sanitise(unit)));
        }
    }
    serde_json::Value::Object(map).to_string()
}

/// The voxel size a tifffile JSON description written by [`shaped_description`] records.
///
/// ```
/// use tesserae::io::metadata::shaped_description_voxel_size;
/// let v = shaped_description_voxel_size("{\"shape\":[2,4],\"spacing\":[0.5,0.25],\"unit\":\"micron\"}").unwrap();
/// assert_eq!(v.size(), &[0.5, 0.25]);
/// ```
pub fn shaped_description_voxel_size(text: &str) -> Option<VoxelSize> {
    let value: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    let size = value
        .get("spacing")?
        .as_array()?
        .iter()
        .map(|s| s.as_f64().filter(|s| positive(*s)))
        .collect::<Option<Vec<f64>>>()?;
    Some(normalise(
        size,
        value.get("unit").and_then(serde_json::Value::as_str),
    ))
}

/// Physical pixel sizes of an OME-XML description, normalised to microns
/// (`[z, y, x]`; `None` for an axis the XML does not give).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OmePhysicalSize {
    /// `PhysicalSizeZ` in microns.
    pub z: Option<f64>,
    /// `PhysicalSizeY` in microns.
    pub y: Option<f64>,
    /// `PhysicalSizeX` in microns.
    pub x: Option<f64>,
}

impl OmePhysicalSize {
    /// Parses the first `Pixels` element of an OME-XML document; `None` when
    /// `xml` is not OME-XML or has no `Pixels` element. Units default to µm
    /// (the OME schema's default); a unit that is not a length leaves the axis
    /// unset.
    ///
    /// ```
    /// use tesserae::io::metadata::OmePhysicalSize;
    /// let xml = r#"<OME><Image><Pixels PhysicalSizeX="0.2" PhysicalSizeY="0.2"
    ///     PhysicalSizeZ="500" PhysicalSizeZUnit="nm" SizeX="4"/></Image></OME>"#;
    /// let p = OmePhysicalSize::parse(xml).unwrap();
    /// assert_eq!((p.z, p.y, p.x), (Some(0.5), Some(0.2), Some(0.2)));
    /// ```
    pub fn parse(xml: &str) -> Option<OmePhysicalSize> {
        if !xml.contains("<OME") && !xml.contains(":OME") {
            return None;
        }
        let element = pixels_element(xml)?;
        let axis = |name: &str| -> Option<f64> {
            let value: f64 = attribute(element, &format!("PhysicalSize{name}"))?
                .parse()
                .ok()?;
            let unit = attribute(element, &format!("PhysicalSize{name}Unit")).unwrap_or("µm");
            let microns = value * microns_per_unit(&xml_unescape(unit))?;
            positive(microns).then_some(microns)
        };
        Some(OmePhysicalSize {
            z: axis("Z"),
            y: axis("Y"),
            x: axis("X"),
        })
    }

    /// The voxel size of an array with `ndim` axes (2: `[y, x]`, 3: `[z, y, x]`);
    /// axes without a size count as 1 µm. `None` when no size is given at all
    /// or for another rank.
    ///
    /// ```
    /// use tesserae::io::metadata::OmePhysicalSize;
    /// let p = OmePhysicalSize { z: None, y: Some(0.5), x: Some(0.25) };
    /// assert_eq!(p.voxel_size(3).unwrap().size(), &[1.0, 0.5, 0.25]);
    /// ```
    pub fn voxel_size(&self, ndim: usize) -> Option<VoxelSize> {
        let axes = match ndim {
            2 => vec![self.y, self.x],
            3 => vec![self.z, self.y, self.x],
            _ => return None,
        };
        if axes.iter().all(Option::is_none) {
            return None;
        }
        Some(VoxelSize::new(
            axes.iter().map(|a| a.unwrap_or(1.0)).collect(),
            Some(MICRON.into()),
        ))
    }
}

/// The dimensions of the first image of an OME-XML document: how its TIFF
/// pages map to Z, C and T.
#[derive(Clone, Debug, PartialEq)]
pub struct OmeDimensions {
    /// `DimensionOrder`, fastest axis first (`XYCZT`, `XYZCT`, …).
    pub order: String,
    /// `SizeZ`.
    pub z: usize,
    /// `SizeC`.
    pub c: usize,
    /// `SizeT`.
    pub t: usize,
}

impl OmeDimensions {
    /// Parses the first `Pixels` element; `None` when `xml` is not OME-XML or
    /// the element lacks a valid `DimensionOrder` or sizes.
    ///
    /// ```
    /// use tesserae::io::metadata::OmeDimensions;
    /// let xml = r#"<OME><Image><Pixels DimensionOrder="XYCZT" SizeZ="3" SizeC="2" SizeT="1"/></Image></OME>"#;
    /// let d = OmeDimensions::parse(xml).unwrap();
    /// assert_eq!(d.shape(6, 8, 9), Some(vec![3, 2, 8, 9]));
    /// assert!(!d.z_only());
    /// ```
    pub fn parse(xml: &str) -> Option<OmeDimensions> {
        if !xml.contains("<OME") && !xml.contains(":OME") {
            return None;
        }
        let element = pixels_element(xml)?;
        let order = attribute(element, "DimensionOrder")?.to_string();
        let mut letters: Vec<char> = order.chars().collect();
        letters.sort_unstable();
        if letters != ['C', 'T', 'X', 'Y', 'Z'] || !order.starts_with("XY") {
            return None;
        }
        let size = |name: &str| -> Option<usize> {
            attribute(element, name)?.parse().ok().filter(|&n| n > 0)
        };
        Some(OmeDimensions {
            order,
            z: size("SizeZ")?,
            c: size("SizeC")?,
            t: size("SizeT")?,
        })
    }

    /// The array shape of `pages` planes of `height × width`: the axes beyond
    /// X and Y slowest first, dropping those of size 1; `None` when the sizes
    /// do not multiply to the number of pages.
    pub fn shape(&self, pages: usize, height: usize, width: usize) -> Option<Vec<usize>> {
        if self.z * self.c * self.t != pages {
            return None;
        }
        let mut shape: Vec<usize> = self
            .order
            .chars()
            .rev()
            .take(3)
            .map(|axis| match axis {
                'Z' => self.z,
                'C' => self.c,
                _ => self.t,
            })
            .filter(|&n| n > 1)
            .collect();
        shape.extend([height, width]);
        Some(shape)
    }

    /// True when the image has no channel or time axis (its pages are z-planes).
    pub fn z_only(&self) -> bool {
        self.c == 1 && self.t == 1
    }
}

/// TIFF `ResolutionUnit` values.
const RESOLUTION_UNIT_INCH: u16 = 2;
const RESOLUTION_UNIT_CENTIMETER: u16 = 3;

/// The pixel extent `1 / resolution` of a TIFF `XResolution`/`YResolution`
/// value, in microns when `resolution_unit` is inch (2) or centimetre (3), in
/// the file's own unit otherwise. `None` for a zero, negative or non-finite
/// resolution.
///
/// ```
/// use tesserae::io::metadata::pixel_size_from_resolution;
/// assert_eq!(pixel_size_from_resolution(2.0, 1), Some(0.5));
/// assert_eq!(pixel_size_from_resolution(10_000.0, 3), Some(1.0));
/// assert_eq!(pixel_size_from_resolution(0.0, 1), None);
/// ```
pub fn pixel_size_from_resolution(resolution: f64, resolution_unit: u16) -> Option<f64> {
    if !positive(resolution) {
        return None;
    }
    let size = 1.0 / resolution;
    let size = match resolution_unit {
        RESOLUTION_UNIT_INCH => size * 25_400.0,
        RESOLUTION_UNIT_CENTIMETER => size * 10_000.0,
        _ => size,
    };
    positive(size).then_some(size)
}

/// The header fields of one TIFF page that carry the voxel size.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TiffVoxelTags<'a> {
    /// The first page's `ImageDescription`.
    pub description: Option<&'a str>,
    /// `XResolution` as a number (pixels per unit).
    pub x_resolution: Option<f64>,
    /// `YResolution` as a number (pixels per unit).
    pub y_resolution: Option<f64>,
    /// `ResolutionUnit` (1 none, 2 inch, 3 centimetre; TIFF's default is 2).
    pub resolution_unit: Option<u16>,
}

impl TiffVoxelTags<'_> {
    /// The voxel size of a TIFF holding an array with `ndim` axes, from, in
    /// order of preference: OME-XML, an ImageJ description with the resolution
    /// tags, a tesserae/tifffile JSON description, or the resolution tags alone
    /// with an inch or centimetre unit. Only 2-D (`[y, x]`) and 3-D
    /// (`[z, y, x]`) arrays get a voxel size.
    ///
    /// ```
    /// use tesserae::io::metadata::TiffVoxelTags;
    /// let tags = TiffVoxelTags {
    ///     description: Some("ImageJ=1.11a\nimages=3\nslices=3\nunit=micron\nspacing=2.0\n"),
    ///     x_resolution: Some(4.0),
    ///     y_resolution: Some(2.0),
    ///     resolution_unit: Some(1),
    /// };
    /// let v = tags.voxel_size(3).unwrap();
    /// assert_eq!(v.size(), &[2.0, 0.5, 0.25]);
    /// assert_eq!(v.unit(), Some("micron"));
    /// ```
    pub fn voxel_size(&self, ndim: usize) -> Option<VoxelSize> {
        if ndim != 2 && ndim != 3 {
            return None;
        }
        let description = self.description.unwrap_or("");
        if let Some(ome) = OmePhysicalSize::parse(description) {
            return ome.voxel_size(ndim);
        }
        let imagej = ImageJDescription::parse(description);
        // TIFF's default unit is inch, but ImageJ files without the tag mean the description's unit.
        let default_unit = if imagej.is_some() {
            1
        } else {
            RESOLUTION_UNIT_INCH
        };
        let unit = self.resolution_unit.unwrap_or(default_unit);
        let plane = |unit: u16| -> Option<(f64, f64)> {
            Some((
                pixel_size_from_resolution(self.y_resolution?, unit)?,
                pixel_size_from_resolution(self.x_resolution?, unit)?,
            ))
        };
        if let Some(ij) = imagej {
            let (dy, dx) = plane(unit).unwrap_or((1.0, 1.0));
            let dz = ij.spacing.unwrap_or(1.0);
            let size = if ndim == 3 {
                vec![dz, dy, dx]
            } else {
                vec![dy, dx]
            };
            let length_unit = if unit == RESOLUTION_UNIT_INCH || unit == RESOLUTION_UNIT_CENTIMETER
            {
                Some(MICRON)
            } else {
                ij.unit.as_deref()
            };
            return Some(normalise(size, length_unit));
        }
        if let Some(v) = shaped_description_voxel_size(description) {
            return (v.size().len() == ndim).then_some(v);
        }
        if unit == RESOLUTION_UNIT_INCH || unit == RESOLUTION_UNIT_CENTIMETER {
            let (dy, dx) = plane(unit)?;
            let size = if ndim == 3 {
                vec![1.0, dy, dx]
            } else {
                vec![dy, dx]
            };
            return Some(VoxelSize::new(size, Some(MICRON.into())));
        }
        None
    }
}

/// The best rational approximation `n / d` of a positive `value` with `n` and
/// `d` fitting in `u32` (for the TIFF `RATIONAL` resolution tags), by continued
/// fractions. `None` for zero, negative, non-finite or out-of-range values.
///
/// ```
/// use tesserae::io::metadata::rational;
/// assert_eq!(rational(2.0), Some((2, 1)));
/// assert_eq!(rational(0.75), Some((3, 4)));
/// assert_eq!(rational(1.0 / 3.0), Some((1, 3)));
/// assert_eq!(rational(-1.0), None);
/// ```
pub fn rational(value: f64) -> Option<(u32, u32)> {
    if !positive(value) || value > f64::from(u32::MAX) || value < 1.0 / f64::from(u32::MAX) {
        return None;
    }
    let limit = f64::from(u32::MAX);
    let (mut n0, mut d0, mut n1, mut d1) = (0.0f64, 1.0f64, 1.0f64, 0.0f64);
    let mut x = value;
    for _ in 0..64 {
        let a = x.floor();
        let (n2, d2) = (a * n1 + n0, a * d1 + d0);
        if n2 > limit || d2 > limit {
            break;
        }
        (n0, d0, n1, d1) = (n1, d1, n2, d2);
        let frac = x - a;
        if frac < 1e-12 || (n1 / d1 - value).abs() <= value * 1e-15 {
            break;
        }
        x = 1.0 / frac;
    }
    (d1 > 0.0 && n1 > 0.0).then_some((n1 as u32, d1 as u32))
}

fn positive(value: f64) -> bool {
    value.is_finite() && value > 0.0
}

/// Keeps a unit name on one line of printable ASCII (TIFF descriptions are ASCII).
fn sanitise(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .collect()
}

/// The text of the first `<Pixels …>` (or `<ome:Pixels …>`) start tag.
fn pixels_element(xml: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(found) = xml[from..].find("Pixels") {
        let start = from + found;
        let preceded = xml[..start].ends_with('<') || xml[..start].ends_with(':');
        let followed = xml[start + 6..].starts_with(|c: char| c.is_whitespace() || c == '>');
        if preceded && followed {
            let end = xml[start..].find('>').map_or(xml.len(), |e| start + e);
            return Some(&xml[start..end]);
        }
        from = start + 6;
    }
    None
}

/// The value of attribute `name` in a start tag's text.
fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(found) = element[from..].find(name) {
        let start = from + found;
        from = start + name.len();
        let before_ok = element[..start].ends_with(char::is_whitespace);
        let rest = element[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next().filter(|&q| q == '"' || q == '\'')?;
        let body = &rest[1..];
        return body.find(quote).map(|end| &body[..end]);
    }
    None
}

/// Resolves the XML character references a unit name may use (`&#181;m`).
fn xml_unescape(text: &str) -> String {
    text.replace("&#181;", "µ")
        .replace("&#xB5;", "µ")
        .replace("&#xb5;", "µ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imagej_description_from_tifffile() {
        // As written by tifffile.imwrite(..., imagej=True, metadata={'spacing': 2.5, 'unit': 'um'}).
        let text = "ImageJ=1.11a\nimages=8\nslices=8\nunit=um\nspacing=2.5\nloop=false\n";
        let tags = TiffVoxelTags {
            description: Some(text),
            x_resolution: Some(2.0),
            y_resolution: Some(4.0),
            resolution_unit: Some(1),
        };
        let v = tags.voxel_size(3).unwrap();
        assert_eq!(v.size(), &[2.5, 0.25, 0.5]);
        assert_eq!(v.unit(), Some(MICRON));
    }

    #[test]
    fn imagej_escaped_micro_sign_and_nanometres() {
        let ij = ImageJDescription::parse("ImageJ=1.53\nunit=\\u00B5m\n").unwrap();
        assert_eq!(microns_per_unit(ij.unit.as_deref().unwrap()), Some(1.0));
        // ImageJ writes ResolutionUnit itself; when it is absent the
        // description's unit applies (not TIFF's default, inch).
        let tags = TiffVoxelTags {
            description: Some("ImageJ=1.53\nimages=2\nslices=2\nunit=nm\nspacing=300\n"),
            x_resolution: Some(0.01),
            y_resolution: Some(0.01),
            resolution_unit: None,
        };
        let v = tags.voxel_size(3).unwrap();
        assert_eq!(v.unit(), Some(MICRON));
        for (a, b) in v.size().iter().zip([0.3, 0.1, 0.1]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn imagej_nanometres_with_unit_none() {
        let tags = TiffVoxelTags {
            description: Some("ImageJ=1.53\nimages=2\nslices=2\nunit=nm\nspacing=300\n"),
            x_resolution: Some(0.01),
            y_resolution: Some(0.02),
            resolution_unit: Some(1),
        };
        let v = tags.voxel_size(3).unwrap();
        let expected = [0.3, 0.05, 0.1];
        for (a, b) in v.size().iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn imagej_pixel_unit_has_no_unit() {
        let tags = TiffVoxelTags {
            description: Some("ImageJ=1.11a\nimages=2\nslices=2\n"),
            resolution_unit: Some(1),
            ..Default::default()
        };
        let v = tags.voxel_size(3).unwrap();
        assert_eq!(v.size(), &[1.0, 1.0, 1.0]);
        assert_eq!(v.unit(), None);
    }

    #[test]
    fn imagej_hyperstack_shape() {
        let d = ImageJDescription::parse(
            "ImageJ=1.11a\nimages=24\nchannels=2\nslices=3\nframes=4\nhyperstack=true\n",
        )
        .unwrap();
        assert_eq!(d.shape(24, 8, 9), Some(vec![4, 3, 2, 8, 9]));
        let single = ImageJDescription::parse("ImageJ=1.11a\n").unwrap();
        assert_eq!(single.shape(1, 8, 9), Some(vec![8, 9]));
        assert_eq!(single.shape(3, 8, 9), Some(vec![3, 8, 9]));
        let raw = ImageJDescription::parse("ImageJ=1.11a\nimages=10\n").unwrap();
        assert_eq!(raw.shape(1, 8, 9), None);
    }

    #[test]
    fn ome_xml_from_tifffile() {
        // The Pixels element tifffile writes for metadata={'PhysicalSizeX': 0.25, ...}.
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0" Name="Image0">
<Pixels ID="Pixels:0" DimensionOrder="XYCZT" Type="uint16" SizeX="16" SizeY="12" SizeC="1" SizeZ="5" SizeT="1"
 PhysicalSizeX="0.25" PhysicalSizeXUnit="µm" PhysicalSizeY="0.5" PhysicalSizeYUnit="µm"
 PhysicalSizeZ="2000" PhysicalSizeZUnit="nm"><Channel ID="Channel:0:0"/></Pixels></Image></OME>"#;
        let p = OmePhysicalSize::parse(xml).unwrap();
        assert_eq!((p.z, p.y, p.x), (Some(2.0), Some(0.5), Some(0.25)));
        let tags = TiffVoxelTags {
            description: Some(xml),
            ..Default::default()
        };
        assert_eq!(tags.voxel_size(3).unwrap().size(), &[2.0, 0.5, 0.25]);
        assert_eq!(tags.voxel_size(4), None);
    }

    #[test]
    fn ome_dimensions() {
        let xml = |order: &str, z: usize, c: usize, t: usize| {
            format!(
                r#"<OME><Pixels DimensionOrder="{order}" SizeZ="{z}" SizeC="{c}" SizeT="{t}" SizeX="4"/></OME>"#
            )
        };
        let d = OmeDimensions::parse(&xml("XYZCT", 5, 1, 1)).unwrap();
        assert_eq!(d.shape(5, 8, 9), Some(vec![5, 8, 9]));
        assert!(d.z_only());
        let d = OmeDimensions::parse(&xml("XYZCT", 4, 3, 2)).unwrap();
        assert_eq!(d.shape(24, 8, 9), Some(vec![2, 3, 4, 8, 9]));
        assert_eq!(d.shape(23, 8, 9), None);
        let d = OmeDimensions::parse(&xml("XYTCZ", 4, 3, 2)).unwrap();
        assert_eq!(d.shape(24, 8, 9), Some(vec![4, 3, 2, 8, 9]));
        assert_eq!(OmeDimensions::parse(&xml("XYZZT", 1, 1, 1)), None);
        assert_eq!(OmeDimensions::parse(&xml("ZCTXY", 1, 1, 1)), None);
        assert_eq!(OmeDimensions::parse(&xml("XYZCT", 0, 1, 1)), None);
    }

    #[test]
    fn ome_prefixed_and_entity_units() {
        let xml = r#"<ome:OME><ome:Image><ome:Pixels PhysicalSizeX='1.5' PhysicalSizeXUnit='&#181;m'
 SizeX="2"></ome:Pixels></ome:Image></ome:OME>"#;
        let p = OmePhysicalSize::parse(xml).unwrap();
        assert_eq!((p.z, p.y, p.x), (None, None, Some(1.5)));
        let bad = r#"<OME><Pixels PhysicalSizeX="1" PhysicalSizeXUnit="s"/></OME>"#;
        assert_eq!(OmePhysicalSize::parse(bad).unwrap().x, None);
        assert_eq!(OmePhysicalSize::parse("<OME><Image/></OME>"), None);
        assert_eq!(OmePhysicalSize::parse("no xml"), None);
    }

    #[test]
    fn attribute_needs_exact_name() {
        let e = r#"Pixels PhysicalSizeXUnit="nm" PhysicalSizeX="3""#;
        assert_eq!(attribute(e, "PhysicalSizeX"), Some("3"));
        assert_eq!(attribute(e, "PhysicalSizeXUnit"), Some("nm"));
        assert_eq!(attribute(e, "SizeX"), None);
    }

    #[test]
    fn plain_tiff_resolution() {
        let cm = TiffVoxelTags {
            x_resolution: Some(20_000.0),
            y_resolution: Some(10_000.0),
            resolution_unit: Some(3),
            ..Default::default()
        };
        assert_eq!(cm.voxel_size(2).unwrap().size(), &[1.0, 0.5]);
        let none = TiffVoxelTags {
            x_resolution: Some(1.0),
            y_resolution: Some(1.0),
            resolution_unit: Some(1),
            ..Default::default()
        };
        assert_eq!(none.voxel_size(2), None);
        assert_eq!(TiffVoxelTags::default().voxel_size(3), None);
    }

    #[test]
    fn shaped_description_round_trip() {
        let v = VoxelSize::new(vec![3.0, 0.5, 0.25], Some(MICRON.into()));
        let text = shaped_description(&[4, 5, 6], Some(&v));
        assert_eq!(shaped_description_shape(&text), Some(vec![4, 5, 6]));
        let tags = TiffVoxelTags {
            description: Some(&text),
            ..Default::default()
        };
        assert_eq!(tags.voxel_size(3), Some(v));
        assert_eq!(shaped_description_shape("{\"shape\": [2, -1]}"), None);
        assert_eq!(shaped_description_shape("{\"shape\": 3}"), None);
    }

    #[test]
    fn imagej_round_trip() {
        let text = imagej_description(7, Some(0.3), Some("micron"));
        let d = ImageJDescription::parse(&text).unwrap();
        assert_eq!(d.images, Some(7));
        assert_eq!(d.slices, Some(7));
        assert_eq!(d.spacing, Some(0.3));
        assert_eq!(d.unit.as_deref(), Some("micron"));
        assert_eq!(
            imagej_description(2, None, Some("a\nb")),
            "ImageJ=1.11a\nimages=2\nslices=2\nunit=a b\n"
        );
    }

    #[test]
    fn rationals() {
        assert_eq!(rational(10.0), Some((10, 1)));
        assert_eq!(rational(1.0 / 0.3), Some((10, 3)));
        let (n, d) = rational(std::f64::consts::PI).unwrap();
        assert!((f64::from(n) / f64::from(d) - std::f64::consts::PI).abs() < 1e-15);
        let (n, d) = rational(1e-6).unwrap();
        assert_eq!((n, d), (1, 1_000_000));
        assert_eq!(rational(f64::NAN), None);
        assert_eq!(rational(1e12), None);
        assert_eq!(rational(0.0), None);
    }

    #[test]
    fn units() {
        assert_eq!(microns_per_unit("mm"), Some(1e3));
        assert_eq!(microns_per_unit(" m "), Some(1e6));
        assert_eq!(microns_per_unit("Å"), Some(1e-4));
        let v = normalise(vec![1.0], Some("parsec"));
        assert_eq!(v.unit(), Some("parsec"));
    }
}
