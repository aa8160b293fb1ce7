//! Previews: hand-checked pixels of the stretch, outlines, fills and planes,
//! the PNG as written, and `tesserae preview`.

use assert_cmd::Command;
use ndarray::{Array2, ArrayD, IxDyn, array};
use predicates::prelude::*;
use tesserae::io::png::{Overlay, PALETTE, PlaneChoice, Preview, label_colour, percentiles, plane};
use tesserae::io::{self, WriteOptions};
use tesserae::{ArraySource, Source};

fn pixel(rgb: &ndarray::Array3<u8>, y: usize, x: usize) -> [u8; 3] {
    [rgb[[y, x, 0]], rgb[[y, x, 1]], rgb[[y, x, 2]]]
}

/// A 5 x 5 ramp 0, 10, …, 240 with a 3 x 3 object of label 2 in the middle.
fn scene() -> (Array2<u16>, Array2<u32>) {
    let image = Array2::from_shape_fn((5, 5), |(y, x)| (10 * (5 * y + x)) as u16);
    let mut labels = Array2::<u32>::zeros((5, 5));
    labels.slice_mut(ndarray::s![1..4, 1..4]).fill(2);
    (image, labels)
}

#[test]
fn percentiles_interpolate_as_numpy() {
    // numpy.percentile(np.arange(0, 250, 10), [0.5, 99.5]) == [1.2, 238.8]
    let (image, _) = scene();
    let (lo, hi) = percentiles(&image.view(), 0.5, 99.5);
    assert!(
        (lo - 1.2).abs() < 1e-9 && (hi - 238.8).abs() < 1e-9,
        "{lo} {hi}"
    );
    let constant = Array2::<f32>::from_elem((2, 2), 3.0);
    assert_eq!(percentiles(&constant.view(), 0.5, 99.5), (3.0, 3.0));
    let nan = array![[f32::NAN, 1.0], [2.0, 3.0]];
    assert_eq!(percentiles(&nan.view(), 0.0, 100.0), (1.0, 3.0));
}

#[test]
fn the_stretch_maps_the_percentiles_to_black_and_white() {
    let (image, _) = scene();
    let rgb = Preview::new()
        .render::<u16, u32>(&image.view(), None)
        .unwrap();
    // Grey = round(255 (v - 1.2) / 237.6), clamped.
    assert_eq!(pixel(&rgb, 0, 0), [0, 0, 0]);
    assert_eq!(pixel(&rgb, 0, 1), [9, 9, 9]); // 255 * 8.8 / 237.6 = 9.44
    assert_eq!(pixel(&rgb, 1, 2), [74, 74, 74]); // 255 * 68.8 / 237.6 = 73.84
    assert_eq!(pixel(&rgb, 4, 4), [255, 255, 255]);
}

#[test]
fn outlines_are_drawn_on_the_object_edge_only() {
    let (image, labels) = scene();
    let rgb = Preview::new()
        .stretch(0.0, 100.0)
        .render(&image.view(), Some(&labels.view()))
        .unwrap();
    let colour = label_colour(2);
    assert_eq!(colour, PALETTE[1]);
    for (y, x) in [
        (1, 1),
        (1, 2),
        (1, 3),
        (2, 1),
        (2, 3),
        (3, 1),
        (3, 2),
        (3, 3),
    ] {
        assert_eq!(pixel(&rgb, y, x), colour, "({y}, {x})");
    }
    // The centre and the background keep their grey: 255 * v / 240.
    assert_eq!(pixel(&rgb, 2, 2), [128, 128, 128]); // 120 -> 127.5 -> 128
    assert_eq!(pixel(&rgb, 0, 3), [32, 32, 32]); // 30 -> 31.875 -> 32
    // An object on the image's edge is outlined there too.
    let edge = array![[1u8, 1, 0], [1, 1, 0], [0, 0, 0]];
    let rgb = Preview::new()
        .render(&Array2::<u8>::zeros((3, 3)).view(), Some(&edge.view()))
        .unwrap();
    for (y, x) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        assert_eq!(pixel(&rgb, y, x), label_colour(1));
    }
    assert_eq!(pixel(&rgb, 2, 2), [0, 0, 0]);
}

#[test]
fn fills_blend_the_colour_at_forty_percent() {
    let (image, labels) = scene();
    let rgb = Preview::new()
        .stretch(0.0, 100.0)
        .overlay(Overlay::Fill)
        .render(&image.view(), Some(&labels.view()))
        .unwrap();
    // Centre grey 128, colour PALETTE[1] = (128, 62, 117):
    // round(0.6 * 128 + 0.4 * c) = (128, 101.6 -> 102, 123.6 -> 124).
    assert_eq!(pixel(&rgb, 2, 2), [128, 102, 124]);
    // (1, 1): grey 255 * 60 / 240 = 63.75 -> 64; round(38.4 + 0.4 c) = (89.6 -> 90, 63.2 -> 63, 85.2 -> 85).
    assert_eq!(pixel(&rgb, 1, 1), [90, 63, 85]);
    assert_eq!(pixel(&rgb, 0, 0), [0, 0, 0]);
}

#[test]
fn planes_of_a_stack() {
    let stack = ArrayD::from_shape_fn(IxDyn(&[5, 2, 3]), |i| {
        ((i[0] * 7 + i[1] * 3 + i[2]) % 11) as u8
    });
    let source = ArraySource::new(stack.clone())
        .with_chunks(&[2, 1, 2])
        .unwrap();
    let at = |z: usize| {
        stack
            .index_axis(ndarray::Axis(0), z)
            .to_owned()
            .into_dimensionality()
            .unwrap()
    };
    assert_eq!(plane(&source, PlaneChoice::Middle).unwrap(), at(2));
    assert_eq!(plane(&source, PlaneChoice::Z(4)).unwrap(), at(4));
    let mip: Array2<u8> = (0..5)
        .map(at)
        .reduce(|a, b| {
            ndarray::Zip::from(&a)
                .and(&b)
                .map_collect(|&p, &q| p.max(q))
        })
        .unwrap();
    assert_eq!(plane(&source, PlaneChoice::MaxProjection).unwrap(), mip);
    assert!(plane(&source, PlaneChoice::Z(5)).is_err());
    let flat = ArraySource::new(ArrayD::<u8>::zeros(IxDyn(&[2, 2, 2, 2])));
    assert!(plane(&flat, PlaneChoice::Middle).is_err());
}

#[test]
fn the_png_holds_the_rendered_pixels() {
    let (image, labels) = scene();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.png");
    let preview = Preview::new().overlay(Overlay::Fill);
    preview
        .write(&image.view(), Some(&labels.view()), &path)
        .unwrap();
    let rgb = preview.render(&image.view(), Some(&labels.view())).unwrap();
    let png = image::open(&path).unwrap().to_rgb8();
    assert_eq!((png.width(), png.height()), (5, 5));
    for (x, y, p) in png.enumerate_pixels() {
        assert_eq!(p.0, pixel(&rgb, y as usize, x as usize));
    }
    // Only the PNG is left in the folder (the temporary name was renamed).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let wrong = Array2::<u32>::zeros((4, 5));
    assert!(
        preview
            .write(&image.view(), Some(&wrong.view()), &path)
            .is_err()
    );
}

fn tesserae() -> Command {
    let mut cmd = Command::cargo_bin("tesserae").expect("binary builds");
    cmd.arg("--quiet");
    cmd
}

fn write<T: tesserae::Element>(path: &std::path::Path, array: ArrayD<T>) {
    let source = ArraySource::new(array);
    let shape = source.shape().to_vec();
    let mut sink = io::create::<T>(path, &shape, &shape, &WriteOptions::default()).unwrap();
    tesserae::store(&tesserae::Executor::new(), &source, &mut sink).unwrap();
}

#[test]
fn the_preview_command() {
    let dir = tempfile::tempdir().unwrap();
    let stack = ArrayD::from_shape_fn(IxDyn(&[3, 4, 6]), |i| (i[0] * 100 + i[1] * 6 + i[2]) as u16);
    let mut labels = ArrayD::<u16>::zeros(IxDyn(&[3, 4, 6]));
    labels[[0, 1, 1]] = 5;
    labels[[1, 2, 4]] = 3;
    let (s, l) = (dir.path().join("s.tif"), dir.path().join("l.tif"));
    write(&s, stack);
    write(&l, labels);
    let out = dir.path().join("out.png");
    tesserae()
        .arg("preview")
        .arg(&s)
        .arg(&out)
        .arg("--labels")
        .arg(&l)
        .assert()
        .success()
        .stderr(predicate::str::contains("z-plane 1 of 3"));
    let png = image::open(&out).unwrap().to_rgb8();
    assert_eq!((png.width(), png.height()), (6, 4));
    assert_eq!(png.get_pixel(4, 2).0, label_colour(3));
    tesserae()
        .arg("preview")
        .arg(&s)
        .arg(&out)
        .args(["--mip", "--fill", "--overwrite", "--labels"])
        .arg(&l)
        .assert()
        .success()
        .stderr(predicate::str::contains("maximum projection"));
    let png = image::open(&out).unwrap().to_rgb8();
    assert_ne!(png.get_pixel(1, 1).0, label_colour(5)); // blended, not pure colour
    // Refusals: an existing output, a plane out of range, labels of another shape.
    tesserae().arg("preview").arg(&s).arg(&out).assert().code(2);
    tesserae()
        .arg("preview")
        .arg(&s)
        .arg(dir.path().join("z.png"))
        .args(["--z", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("beyond"));
    let other = dir.path().join("o.tif");
    write(&other, ArrayD::<u8>::zeros(IxDyn(&[3, 4, 5])));
    tesserae()
        .arg("preview")
        .arg(&s)
        .arg(dir.path().join("x.png"))
        .arg("--labels")
        .arg(&other)
        .assert()
        .code(2);
    tesserae()
        .arg("preview")
        .arg(&s)
        .arg(dir.path().join("y.png"))
        .args(["--z", "1", "--mip"])
        .assert()
        .code(2);
}
