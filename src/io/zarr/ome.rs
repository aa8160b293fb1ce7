//! OME-Zarr metadata: the `multiscales` of a group (v0.4 in `.zattrs`, v0.5 under
//! `ome` in `zarr.json`) and the voxel size tesserae writes into array attributes.

use std::path::Path;

use serde_json::{Value, json};

use super::ATTRIBUTE_KEY;
use crate::engine::VoxelSize;
use crate::error::{Error, Result};

/// The attributes of the group at `directory`, or `None` when it is not a group.
pub(super) fn read_group(directory: &Path) -> Result<Option<Value>> {
    let v3 = directory.join("zarr.json");
    if v3.is_file() {
        let metadata = read_json(&v3)?;
        return Ok((metadata["node_type"] == "group")
            .then(|| metadata["attributes"].clone())
            .map(|a| if a.is_null() { json!({}) } else { a }));
    }
    if directory.join(".zgroup").is_file() && !directory.join(".zarray").is_file() {
        let attributes = directory.join(".zattrs");
        return if attributes.is_file() {
            read_json(&attributes).map(Some)
        } else {
            Ok(Some(json!({})))
        };
    }
    Ok(None)
}

/// Parses a JSON file.
fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_slice(&text).map_err(|e| Error::format(path, format!("invalid JSON: {e}")))
}

/// One OME-Zarr multiscale image: its axes and datasets.
pub(super) struct Multiscale {
    /// `(type, unit)` of every axis, when the metadata names axes.
    axes: Option<Vec<(Option<String>, Option<String>)>>,
    pub(super) datasets: Vec<Dataset>,
    /// The multiscale-wide `scale` transformation.
    scale: Option<Vec<f64>>,
}

/// One resolution level of a [`Multiscale`].
pub(super) struct Dataset {
    /// The array path relative to the group.
    pub(super) path: String,
    scale: Option<Vec<f64>>,
}

impl Multiscale {
    /// The first multiscale of group attributes (v0.5 `ome.multiscales` or v0.4
    /// `multiscales`); `None` when there is none, `Some(Err)` when it is malformed.
    pub(super) fn from_attributes(
        attributes: &Value,
    ) -> Option<std::result::Result<Multiscale, String>> {
        let multiscales = attributes
            .get("ome")
            .and_then(|ome| ome.get("multiscales"))
            .or_else(|| attributes.get("multiscales"))?;
        Some(Multiscale::parse(multiscales))
    }

    fn parse(multiscales: &Value) -> std::result::Result<Multiscale, String> {
        let first = multiscales
            .as_array()
            .and_then(|m| m.first())
            .ok_or("multiscales is not a non-empty list")?;
        let axes = match first.get("axes") {
            None => None,
            Some(axes) => Some(
                axes.as_array()
                    .ok_or("multiscales axes is not a list")?
                    .iter()
                    .map(parse_axis)
                    .collect::<std::result::Result<Vec<_>, _>>()?,
            ),
        };
        let datasets = first["datasets"]
            .as_array()
            .ok_or("multiscales has no datasets list")?
            .iter()
            .map(|dataset| {
                let path = dataset["path"]
                    .as_str()
                    .filter(|p| !p.is_empty() && !p.split('/').any(|c| c == ".." || c == "."))
                    .ok_or("a multiscales dataset has no valid path")?;
                Ok(Dataset {
                    path: path.trim_matches('/').to_string(),
                    scale: scale_of(&dataset["coordinateTransformations"])?,
                })
            })
            .collect::<std::result::Result<Vec<_>, String>>()?;
        Ok(Multiscale {
            axes,
            datasets,
            scale: scale_of(&first["coordinateTransformations"])?,
        })
    }

    /// The voxel size of level `level` of an array with `ndim` axes.
    pub(super) fn voxel_size(
        &self,
        level: usize,
        ndim: usize,
    ) -> std::result::Result<Option<VoxelSize>, String> {
        let Some(dataset) = self.datasets.get(level) else {
            return Ok(None);
        };
        let mut size = match (&dataset.scale, &self.scale) {
            (None, None) => return Ok(None),
            (Some(s), _) | (None, Some(s)) => s.clone(),
        };
        if let (Some(_), Some(global)) = (&dataset.scale, &self.scale) {
            if global.len() != size.len() {
                return Err("multiscale and dataset scales differ in length".into());
            }
            size.iter_mut().zip(global).for_each(|(s, g)| *s *= g);
        }
        if size.len() != ndim {
            return Err(format!(
                "multiscale scale has {} entries but the array has {ndim} axes",
                size.len()
            ));
        }
        let Some(axes) = &self.axes else {
            return Ok(Some(VoxelSize::new(size, None)));
        };
        if axes.len() != ndim {
            return Err(format!(
                "multiscale has {} axes but the array has {ndim}",
                axes.len()
            ));
        }
        let spatial: Vec<usize> = (0..ndim)
            .filter(|&i| axes[i].0.as_deref() == Some("space"))
            .collect();
        if spatial.is_empty() {
            return Ok(None);
        }
        let unit = axes[spatial[0]].1.clone();
        let unit = unit.filter(|u| spatial.iter().all(|&i| axes[i].1.as_deref() == Some(u)));
        Ok(Some(VoxelSize::new(
            spatial.iter().map(|&i| size[i]).collect(),
            unit,
        )))
    }
}

/// `(type, unit)` of an OME-Zarr axis: an object, or (v0.3) a bare name.
fn parse_axis(axis: &Value) -> std::result::Result<(Option<String>, Option<String>), String> {
    if let Some(name) = axis.as_str() {
        let kind = matches!(name, "x" | "y" | "z").then(|| "space".to_string());
        return Ok((kind, None));
    }
    if !axis.is_object() {
        return Err("a multiscales axis is neither an object nor a name".into());
    }
    let text = |key: &str| axis.get(key).and_then(Value::as_str).map(str::to_string);
    let kind = text("type").or_else(|| {
        text("name")
            .filter(|n| matches!(n.as_str(), "x" | "y" | "z"))
            .map(|_| "space".to_string())
    });
    Ok((kind, text("unit")))
}

/// The `scale` of a list of coordinate transformations, if it has one.
fn scale_of(transformations: &Value) -> std::result::Result<Option<Vec<f64>>, String> {
    let Some(list) = transformations.as_array() else {
        return Ok(None);
    };
    let Some(scale) = list.iter().find(|t| t["type"] == "scale") else {
        return Ok(None);
    };
    let values = scale["scale"]
        .as_array()
        .ok_or("a scale transformation has no scale list")?;
    values
        .iter()
        .map(|v| {
            v.as_f64()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or_else(|| format!("invalid scale value {v}"))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(Some)
}

/// The voxel size [`ZarrSink`] writes into an array's attributes.
pub(super) fn attribute_voxel_size(
    attributes: &serde_json::Map<String, Value>,
    ndim: usize,
) -> Option<VoxelSize> {
    let entry = attributes.get(ATTRIBUTE_KEY)?;
    let size: Vec<f64> = entry["voxel_size"]
        .as_array()?
        .iter()
        .map(Value::as_f64)
        .collect::<Option<_>>()?;
    let unit = entry["unit"].as_str().map(str::to_string);
    (size.len() == ndim).then(|| VoxelSize::new(size, unit))
}

/// The voxel size of the array at `node` when its parent group is a multiscales
/// group listing it as a dataset.
pub(super) fn parent_voxel_size(root: &Path, node: &str, ndim: usize) -> Option<VoxelSize> {
    let (parent, name) = node.trim_end_matches('/').rsplit_once('/')?;
    let attributes = read_group(&root.join(parent.trim_start_matches('/'))).ok()??;
    let multiscale = Multiscale::from_attributes(&attributes)?.ok()?;
    let level = multiscale.datasets.iter().position(|d| d.path == name)?;
    multiscale.voxel_size(level, ndim).ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voxel(attributes: Value, level: usize, ndim: usize) -> Result<Option<VoxelSize>, String> {
        let multiscale = Multiscale::from_attributes(&attributes).ok_or("no multiscales")??;
        multiscale.voxel_size(level, ndim)
    }

    fn scale(values: &[f64]) -> Value {
        json!([{ "type": "scale", "scale": values }])
    }

    #[test]
    fn v04_and_v05_layouts() {
        let multiscales = json!([{ "datasets": [{ "path": "0", "coordinateTransformations": scale(&[2.0, 3.0]) }] }]);
        let want = Ok(Some(VoxelSize::new(vec![2.0, 3.0], None)));
        assert_eq!(voxel(json!({ "multiscales": multiscales }), 0, 2), want);
        assert_eq!(
            voxel(json!({ "ome": { "multiscales": multiscales } }), 0, 2),
            want
        );
        assert!(Multiscale::from_attributes(&json!({ "other": 1 })).is_none());
    }

    #[test]
    fn units_and_spatial_axes() {
        let axes = json!([
            { "name": "t", "type": "time", "unit": "second" },
            { "name": "z", "type": "space", "unit": "micrometer" },
            { "name": "y", "type": "space", "unit": "micrometer" },
            { "name": "x", "type": "space", "unit": "nanometer" }
        ]);
        let attributes = json!({ "multiscales": [{ "axes": axes, "datasets": [
            { "path": "0", "coordinateTransformations": scale(&[5.0, 1.0, 2.0, 3.0]) }
        ] }] });
        // Spatial axes only; the units disagree, so none is reported.
        assert_eq!(
            voxel(attributes, 0, 4),
            Ok(Some(VoxelSize::new(vec![1.0, 2.0, 3.0], None)))
        );
        // v0.3: axes as bare names.
        let attributes = json!({ "multiscales": [{ "axes": ["c", "y", "x"], "datasets": [
            { "path": "0", "coordinateTransformations": scale(&[1.0, 0.5, 0.25]) }
        ] }] });
        assert_eq!(
            voxel(attributes, 0, 3),
            Ok(Some(VoxelSize::new(vec![0.5, 0.25], None)))
        );
    }

    #[test]
    fn missing_or_broken_scales() {
        let no_scale = json!({ "multiscales": [{ "datasets": [{ "path": "0" }] }] });
        assert_eq!(voxel(no_scale, 0, 2), Ok(None));
        let bad_values = json!({ "multiscales": [{ "datasets": [
            { "path": "0", "coordinateTransformations": [{ "type": "scale", "scale": [1.0, "a"] }] }
        ] }] });
        assert!(voxel(bad_values, 0, 2).is_err());
        let wrong_rank = json!({ "multiscales": [{ "datasets": [
            { "path": "0", "coordinateTransformations": scale(&[1.0]) }
        ] }] });
        assert!(voxel(wrong_rank, 0, 2).is_err());
        let escaping = json!({ "multiscales": [{ "datasets": [{ "path": "../other" }] }] });
        assert!(Multiscale::from_attributes(&escaping).is_some_and(|m| m.is_err()));
        let no_datasets = json!({ "multiscales": [{ "axes": [] }] });
        assert!(Multiscale::from_attributes(&no_datasets).is_some_and(|m| m.is_err()));
        assert!(
            Multiscale::from_attributes(&json!({ "multiscales": [] })).is_some_and(|m| m.is_err())
        );
    }

    #[test]
    fn tesserae_attribute() {
        let attributes = json!({ "tesserae": { "voxel_size": [2.0, 0.5], "unit": "micrometer" } });
        let map = attributes.as_object().cloned().unwrap_or_default();
        assert_eq!(
            attribute_voxel_size(&map, 2),
            Some(VoxelSize::new(vec![2.0, 0.5], Some("micrometer".into())))
        );
        assert_eq!(attribute_voxel_size(&map, 3), None);
    }
}
