//! TIFF input/output: files written by tifffile (fixtures/tiff/make_fixtures.py)
//! read back exactly, region reads agree with full reads, TiffSink round trips,
//! files TiffSink writes match the ones tifffile checked, bad input gives typed errors.

use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};
use num_traits::NumCast;
use proptest::prelude::*;
use tesserae::io::tiff::{TiffSink, TiffSource};
use tesserae::io::{Compression, WriteOptions, probe};
use tesserae::{DataType, Element, Error, Region, Sink, Source, VoxelSize, with_dtype};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tiff")
        .join(name)
}

/// The value make_fixtures.py stores at page `p`, row `y`, column `x` for `T`.
fn formula<T: Element>(p: usize, y: usize, x: usize) -> T {
    let v = ((p * 131 + y * 17 + x * 3) % 251) as i128;
    let m: i128 = match T::DTYPE.size() {
        1 => 1,
        2 => 0x0101,
        4 => 0x0101_0101,
        _ => 0x0101_0101_0101_0101,
    };
    let value: Option<T> = if T::DTYPE.is_float() {
        NumCast::from((v - 125) as f64 * 0.5)
    } else if T::DTYPE.is_signed_integer() {
        NumCast::from((v - 125) * m)
    } else {
        NumCast::from(v * m)
    };
    value.expect("formula values fit every type")
}

/// The whole formula array of `shape` (pages over all leading axes in C order).
fn formula_array<T: Element>(shape: &[usize]) -> ArrayD<T> {
    let n = shape.len();
    let (h, w) = (shape[n - 2], shape[n - 1]);
    let flat: Vec<T> = (0..shape.iter().product::<usize>())
        .map(|i| formula::<T>(i / (h * w), (i / w) % h, i % w))
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), flat).unwrap()
}

fn read_all<T: Element>(path: &Path) -> ArrayD<T> {
    let source = TiffSource::<T>::open(path).unwrap();
    source.read(&Region::full(source.shape())).unwrap()
}

fn check_fixture<T: Element>(name: &str, shape: &[usize]) {
    let path = fixture(name);
    let info = probe(&path).unwrap();
    assert_eq!(info.shape, shape, "{name}");
    assert_eq!(info.dtype, T::DTYPE, "{name}");
    assert_eq!(read_all::<T>(&path), formula_array::<T>(shape), "{name}");
}

fn dtype_name(d: DataType) -> &'static str {
    d.name()
}

#[test]
fn every_dtype_2d_and_3d() {
    for dtype in DataType::ALL {
        let name = dtype_name(dtype);
        with_dtype!(dtype, T => {
            check_fixture::<T>(&format!("d2_{name}.tif"), &[20, 24]);
            check_fixture::<T>(&format!("d3_{name}.tif"), &[5, 20, 24]);
        });
    }
}

#[test]
fn striped_chunk_shape_is_one_strip() {
    let info = probe(&fixture("d3_uint16.tif")).unwrap();
    assert_eq!(info.chunk_shape, vec![1, 8, 24]);
    assert_eq!(info.format, "tiff uncompressed");
    let info = probe(&fixture("d2_uint16.tif")).unwrap();
    assert_eq!(info.chunk_shape, vec![7, 24]);
}

#[test]
fn tiled_files() {
    check_fixture::<u16>("tiled_u16.tif", &[3, 37, 45]);
    check_fixture::<f32>("tiled_deflate_f32.tif", &[3, 37, 45]);
    let info = probe(&fixture("tiled_deflate_f32.tif")).unwrap();
    assert_eq!(info.chunk_shape, vec![1, 16, 32]);
    assert_eq!(info.format, "tiff deflate tiled");
}

#[test]
fn compressed_files() {
    check_fixture::<u16>("lzw_u16.tif", &[4, 20, 24]);
    check_fixture::<i32>("deflate_i32.tif", &[4, 20, 24]);
    check_fixture::<f64>("deflate_f64_fpredictor.tif", &[4, 20, 24]);
    check_fixture::<i8>("lzw_i8.tif", &[4, 20, 24]);
    check_fixture::<u8>("packbits_u8.tif", &[4, 20, 24]);
    assert_eq!(probe(&fixture("lzw_u16.tif")).unwrap().format, "tiff lzw");
}

#[test]
fn bigtiff_and_big_endian() {
    check_fixture::<u16>("bigtiff_u16.tif", &[5, 20, 24]);
    check_fixture::<i16>("bigtiff_tiled_i16.tif", &[5, 20, 24]);
    check_fixture::<f32>("bigendian_f32.tif", &[3, 20, 24]);
    assert!(
        probe(&fixture("bigtiff_u16.tif"))
            .unwrap()
            .format
            .starts_with("bigtiff")
    );
}

fn assert_voxel(v: Option<VoxelSize>, size: &[f64], unit: Option<&str>) {
    let v = v.expect("a voxel size");
    assert_eq!(v.size().len(), size.len());
    for (a, b) in v.size().iter().zip(size) {
        assert!((a - b).abs() < 1e-9, "{:?} vs {size:?}", v.size());
    }
    assert_eq!(v.unit(), unit);
}

#[test]
fn imagej_stack_and_hyperstack() {
    check_fixture::<u16>("imagej_zstack_u16.tif", &[6, 20, 24]);
    let source = TiffSource::<u16>::open(&fixture("imagej_zstack_u16.tif")).unwrap();
    assert_voxel(source.voxel_size(), &[2.0, 0.5, 0.25], Some("micron"));
    // ImageJ TZCYX order: 3 slices of 2 channels.
    check_fixture::<u8>("imagej_hyperstack_u8.tif", &[3, 2, 20, 24]);
    assert_eq!(
        probe(&fixture("imagej_hyperstack_u8.tif"))
            .unwrap()
            .chunk_shape,
        vec![1, 1, 20, 24]
    );
}

#[test]
fn imagej_contiguous_large_stack_layout() {
    check_fixture::<f32>("imagej_contiguous_f32.tif", &[5, 20, 24]);
    let info = probe(&fixture("imagej_contiguous_f32.tif")).unwrap();
    assert_eq!(info.format, "tiff uncompressed imagej-contiguous");
    assert_eq!(info.chunk_shape, vec![1, 20, 24]);
    assert_voxel(info.voxel_size, &[3.0, 0.5, 0.5], Some("micron"));
    check_fixture::<u16>("imagej_contiguous_hyperstack_u16.tif", &[2, 3, 20, 24]);
    // Regions with partial rows and whole rows.
    let source = TiffSource::<f32>::open(&fixture("imagej_contiguous_f32.tif")).unwrap();
    let full = formula_array::<f32>(&[5, 20, 24]);
    for region in [
        Region::new(vec![1, 3, 5], vec![3, 7, 11]),
        Region::new(vec![2, 4, 0], vec![2, 9, 24]),
    ] {
        assert_eq!(source.read(&region).unwrap(), region.view(&full).to_owned());
    }
    // Cut inside the planes: the stack no longer fits, so it is refused.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("imagej_contiguous_f32.tif")).unwrap();
    let cut = dir.path().join("cut.tif");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    assert!(matches!(probe(&cut), Err(Error::Unsupported { .. })));
}

#[test]
fn ome_tiff_physical_size() {
    check_fixture::<u16>("ome_u16.tif", &[5, 20, 24]);
    let info = probe(&fixture("ome_u16.tif")).unwrap();
    assert_voxel(info.voxel_size, &[1.5, 0.3, 0.2], Some("micron"));
}

#[test]
fn ome_tiff_with_channels_and_time() {
    check_fixture::<u8>("ome_tczyx_u8.tif", &[2, 3, 4, 20, 24]);
    // Channels and time points are not spatial: no voxel size for them.
    assert_eq!(
        probe(&fixture("ome_tczyx_u8.tif")).unwrap().voxel_size,
        None
    );
    assert_eq!(
        probe(&fixture("imagej_hyperstack_u8.tif"))
            .unwrap()
            .voxel_size,
        None
    );
}

#[test]
fn tifffile_shaped_description() {
    check_fixture::<u16>("shaped_4d_u16.tif", &[2, 3, 20, 24]);
    let source = TiffSource::<u16>::open(&fixture("shaped_4d_u16.tif")).unwrap();
    let block = source
        .read(&Region::new(vec![1, 1, 3, 5], vec![1, 2, 4, 6]))
        .unwrap();
    let full = formula_array::<u16>(&[2, 3, 20, 24]);
    assert_eq!(
        block,
        Region::new(vec![1, 1, 3, 5], vec![1, 2, 4, 6])
            .view(&full)
            .to_owned()
    );
}

fn region_strategy(shape: Vec<usize>) -> impl Strategy<Value = Region> {
    shape
        .into_iter()
        .map(|n| (0..n).prop_flat_map(move |s| (Just(s), 1..=n - s)))
        .collect::<Vec<_>>()
        .prop_map(|axes| {
            let (start, extent) = axes.into_iter().unzip();
            Region::new(start, extent)
        })
}

fn fixture_and_region() -> impl Strategy<Value = (&'static str, Region)> {
    let files: [(&'static str, Vec<usize>); 6] = [
        ("tiled_u16.tif", vec![3, 37, 45]),
        ("imagej_contiguous_hyperstack_u16.tif", vec![2, 3, 20, 24]),
        ("lzw_u16.tif", vec![4, 20, 24]),
        ("d3_uint16.tif", vec![5, 20, 24]),
        ("d2_uint16.tif", vec![20, 24]),
        ("shaped_4d_u16.tif", vec![2, 3, 20, 24]),
    ];
    (0..files.len()).prop_flat_map(move |i| {
        let (name, shape) = files[i].clone();
        (Just(name), region_strategy(shape))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn region_reads_equal_slices_of_the_full_read((name, region) in fixture_and_region()) {
        let source = TiffSource::<u16>::open(&fixture(name)).unwrap();
        let full = source.read(&Region::full(source.shape())).unwrap();
        let part = source.read(&region).unwrap();
        prop_assert_eq!(part, region.view(&full).to_owned());
    }

    /// Views reuse the buffers of earlier reads: regions of changing sizes,
    /// read one after the other, still see exactly their own voxels.
    #[test]
    fn successive_views_equal_slices_of_the_full_read(
        (name, regions) in fixture_and_region().prop_flat_map(|(name, region)| {
            let shape = fixture_shape(name);
            (Just(name), proptest::collection::vec(region_strategy(shape), 1..4)
                .prop_map(move |mut rest| { rest.insert(0, region.clone()); rest }))
        })
    ) {
        let source = TiffSource::<u16>::open(&fixture(name)).unwrap();
        let full = source.read(&Region::full(source.shape())).unwrap();
        for region in regions {
            let mut seen = None;
            source.read_view(&region, &mut |view| {
                seen = Some(view.to_owned());
                Ok(())
            }).unwrap();
            prop_assert_eq!(seen, Some(region.view(&full).to_owned()));
        }
    }
}

fn fixture_shape(name: &str) -> Vec<usize> {
    TiffSource::<u16>::open(&fixture(name))
        .unwrap()
        .shape()
        .to_vec()
}

/// Writes `data` to a TiffSink region by region (chunks of `chunk`, in `order`).
fn write_in_order<T: Element>(
    path: &Path,
    data: &ArrayD<T>,
    chunk: &[usize],
    order: &[usize],
    options: &WriteOptions,
) -> Result<(), Error> {
    let mut sink = TiffSink::<T>::create(path, data.shape(), options)?;
    let grid = tesserae::ChunkGrid::new(data.shape(), chunk)?;
    for &i in order {
        let region = grid.chunk_region(&grid.chunk_index(i));
        sink.write(&region, region.view(data))?;
    }
    sink.commit()
}

fn random_array<T: Element>(shape: &[usize], seed: u64) -> ArrayD<T> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let bits = state >> 11;
        let value: Option<T> = match T::DTYPE {
            DataType::F32 | DataType::F64 => {
                NumCast::from((bits as f64 / (1u64 << 53) as f64 - 0.5) * 1e6)
            }
            DataType::I8 => NumCast::from((bits as u8) as i8),
            DataType::I16 => NumCast::from((bits as u16) as i16),
            DataType::I32 => NumCast::from((bits as u32) as i32),
            DataType::I64 => NumCast::from((state as i64) >> 1),
            DataType::U8 => NumCast::from(bits as u8),
            DataType::U16 => NumCast::from(bits as u16),
            DataType::U32 => NumCast::from(bits as u32),
            DataType::U64 => NumCast::from(state),
        };
        value.unwrap_or_default()
    })
}

fn shuffle(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed | 1;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

fn round_trip_case(
    dtype: DataType,
    shape: Vec<usize>,
    chunk: Vec<usize>,
    seed: u64,
    compression: Option<Compression>,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rt.tif");
    with_dtype!(dtype, T => {
        let data = random_array::<T>(&shape, seed);
        let grid = tesserae::ChunkGrid::new(&shape, &chunk).unwrap();
        let order = shuffle(grid.num_chunks(), seed);
        let options = WriteOptions { compression, ..Default::default() };
        write_in_order(&path, &data, &chunk, &order, &options).unwrap();
        let back = read_all::<T>(&path);
        prop_assert_eq!(back.shape(), data.shape());
        // Bit-exact, NaN-safe comparison.
        let same = back.iter().zip(data.iter()).all(|(a, b)| format!("{a:?}") == format!("{b:?}"));
        prop_assert!(same, "{dtype} {shape:?} {chunk:?} {compression:?}");
    });
    Ok(())
}

fn shape_and_chunk() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    prop_oneof![
        (1usize..20, 1usize..20).prop_map(|(y, x)| vec![y, x]),
        (1usize..5, 1usize..15, 1usize..15).prop_map(|(z, y, x)| vec![z, y, x]),
        (1usize..3, 1usize..3, 1usize..9, 1usize..9).prop_map(|(t, z, y, x)| vec![t, z, y, x]),
    ]
    .prop_flat_map(|shape| {
        let chunk = shape.iter().map(|&n| 1..=n).collect::<Vec<_>>();
        (Just(shape), chunk)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sink_then_source_round_trip(
        dtype in proptest::sample::select(DataType::ALL.to_vec()),
        (shape, chunk) in shape_and_chunk(),
        seed in any::<u64>(),
        compression in proptest::sample::select(vec![None, Some(Compression::None), Some(Compression::Deflate), Some(Compression::Lzw)]),
    ) {
        round_trip_case(dtype, shape, chunk, seed, compression)?;
    }
}

#[test]
fn round_trip_every_dtype_and_compression() {
    for dtype in DataType::ALL {
        for compression in [None, Some(Compression::Deflate), Some(Compression::Lzw)] {
            round_trip_case(dtype, vec![3, 70, 33], vec![2, 16, 10], 7, compression).unwrap();
            round_trip_case(dtype, vec![41, 13], vec![5, 13], 3, compression).unwrap();
        }
    }
}

#[test]
fn concurrent_writes_from_threads() {
    use rayon::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("par.tif");
    let shape = [24, 40, 36];
    let data = random_array::<u16>(&shape, 11);
    for (round, compression) in [None, Some(Compression::Deflate), Some(Compression::Lzw)]
        .into_iter()
        .enumerate()
    {
        let options = WriteOptions {
            compression,
            overwrite: true,
            ..Default::default()
        };
        let mut sink = TiffSink::<u16>::create(&path, &shape, &options).unwrap();
        let grid = tesserae::ChunkGrid::new(&shape, &[3, 7, 10]).unwrap();
        let order = shuffle(grid.num_chunks(), round as u64 + 5);
        order.par_iter().for_each(|&i| {
            let region = grid.chunk_region(&grid.chunk_index(i));
            sink.write(&region, region.view(&data)).unwrap();
        });
        sink.commit().unwrap();
        assert_eq!(read_all::<u16>(&path), data);
    }
    // And parallel reads through the decoder pool.
    let source = TiffSource::<u16>::open(&path).unwrap();
    let rgrid = tesserae::ChunkGrid::new(&shape, &[5, 9, 36]).unwrap();
    (0..rgrid.num_chunks()).into_par_iter().for_each(|i| {
        let region = rgrid.chunk_region(&rgrid.chunk_index(i));
        assert_eq!(source.read(&region).unwrap(), region.view(&data).to_owned());
    });
}

#[test]
fn sink_chunk_shape_is_a_slab_of_planes() {
    let dir = tempfile::tempdir().unwrap();
    let sink = TiffSink::<u16>::create(
        &dir.path().join("a.tif"),
        &[100, 1024, 1024],
        &WriteOptions::default(),
    )
    .unwrap();
    assert_eq!(sink.chunk_shape(), &[8, 1024, 1024]);
    let sink = TiffSink::<u8>::create(
        &dir.path().join("b.tif"),
        &[3, 8, 8],
        &WriteOptions::default(),
    )
    .unwrap();
    assert_eq!(sink.chunk_shape(), &[3, 8, 8]);
}

#[test]
fn bigtiff_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tif");
    let data = random_array::<f32>(&[4, 9, 11], 5);
    let mut sink = TiffSink::<f32>::create(&path, data.shape(), &WriteOptions::default())
        .unwrap()
        .with_bigtiff_threshold(100);
    sink.write(&Region::full(data.shape()), data.view())
        .unwrap();
    sink.commit().unwrap();
    assert!(probe(&path).unwrap().format.starts_with("bigtiff"));
    assert_eq!(read_all::<f32>(&path), data);
    let small = dir.path().join("small.tif");
    write_in_order(&small, &data, &[4, 9, 11], &[0], &WriteOptions::default()).unwrap();
    assert!(probe(&small).unwrap().format.starts_with("tiff"));
}

#[test]
fn voxel_size_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for (dtype, shape) in [
        (DataType::U16, vec![3, 5, 6]),
        (DataType::I32, vec![3, 5, 6]),
        (DataType::F32, vec![5, 6]),
    ] {
        let n = shape.len();
        let size: Vec<f64> = [2.5, 0.3, 0.125][3 - n..].to_vec();
        let options = WriteOptions {
            voxel_size: Some(VoxelSize::new(size.clone(), Some("µm".into()))),
            ..Default::default()
        };
        let path = dir.path().join(format!("v{dtype}.tif"));
        with_dtype!(dtype, T => {
            let data = random_array::<T>(&shape, 1);
            write_in_order(&path, &data, &shape, &[0], &options).unwrap();
            let source = TiffSource::<T>::open(&path).unwrap();
            assert_voxel(source.voxel_size(), &size, Some("micron"));
        });
    }
}

/// The arrays of the committed files in fixtures/tiff/written/ (checked by
/// check_written.py with tifffile): name, shape, chunk, options.
fn written_cases() -> Vec<(&'static str, DataType, Vec<usize>, WriteOptions)> {
    let voxel = |s: Vec<f64>| Some(VoxelSize::new(s, Some("micron".into())));
    vec![
        (
            "sink_u16_zstack.tif",
            DataType::U16,
            vec![6, 20, 24],
            WriteOptions {
                voxel_size: voxel(vec![2.0, 0.5, 0.25]),
                ..Default::default()
            },
        ),
        (
            "sink_f32_2d_deflate.tif",
            DataType::F32,
            vec![20, 24],
            WriteOptions {
                voxel_size: voxel(vec![0.5, 0.25]),
                compression: Some(Compression::Deflate),
                ..Default::default()
            },
        ),
        (
            "sink_u8_lzw.tif",
            DataType::U8,
            vec![4, 20, 24],
            WriteOptions {
                compression: Some(Compression::Lzw),
                ..Default::default()
            },
        ),
        (
            "sink_i32_zstack.tif",
            DataType::I32,
            vec![3, 20, 24],
            WriteOptions {
                voxel_size: voxel(vec![1.5, 0.2, 0.2]),
                ..Default::default()
            },
        ),
        (
            "sink_f64_4d.tif",
            DataType::F64,
            vec![2, 3, 20, 24],
            WriteOptions::default(),
        ),
        (
            "sink_i8.tif",
            DataType::I8,
            vec![2, 20, 24],
            WriteOptions::default(),
        ),
        (
            "sink_u64.tif",
            DataType::U64,
            vec![2, 20, 24],
            WriteOptions::default(),
        ),
    ]
}

fn write_case(path: &Path, dtype: DataType, shape: &[usize], options: &WriteOptions) {
    with_dtype!(dtype, T => {
        let data = formula_array::<T>(shape);
        let n = shape.len();
        let mut chunk = shape.to_vec();
        chunk[n - 2] = 7;
        let grid = tesserae::ChunkGrid::new(shape, &chunk).unwrap();
        let order: Vec<usize> = (0..grid.num_chunks()).rev().collect();
        write_in_order(path, &data, &chunk, &order, options).unwrap();
    });
}

/// The files tesserae writes equal, byte for byte, the committed ones that
/// tifffile checked (`fixtures/tiff/check_written.py`). With
/// `TESSERAE_BLESS=1` the test rewrites the committed files instead; run the
/// check script after that.
#[test]
fn sink_output_matches_the_files_tifffile_checked() {
    let bless = std::env::var_os("TESSERAE_BLESS").is_some();
    let dir = tempfile::tempdir().unwrap();
    let committed_dir = fixture("written");
    for (name, dtype, shape, options) in written_cases() {
        let path = dir.path().join(name);
        write_case(&path, dtype, &shape, &options);
        let written = std::fs::read(&path).unwrap();
        let committed = committed_dir.join(name);
        if bless {
            std::fs::create_dir_all(&committed_dir).unwrap();
            std::fs::write(&committed, &written).unwrap();
        }
        assert!(
            written == std::fs::read(&committed).unwrap(),
            "{name} differs from the checked file"
        );
        with_dtype!(dtype, T => assert_eq!(read_all::<T>(&path), formula_array::<T>(&shape)));
    }
    let report = std::fs::read_to_string(fixture("check_written.txt")).unwrap();
    assert!(report.trim_end().ends_with("all files OK"), "{report}");
}

/// Replaces a file's content in place (rewriting through truncation to zero
/// makes ext4 flush the file every time, which is slow in a loop).
fn overwrite(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
    f.set_len(bytes.len() as u64).unwrap();
}

fn assert_format_error(path: &Path) {
    match probe(path) {
        Err(Error::Format { .. }) => {}
        other => panic!("{}: expected a format error, got {other:?}", path.display()),
    }
}

#[test]
fn corrupt_files_are_format_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.tif");
    std::fs::write(&empty, b"").unwrap();
    assert_format_error(&empty);

    let garbage = dir.path().join("garbage.tif");
    std::fs::write(&garbage, b"this is not an image at all, just text").unwrap();
    assert_format_error(&garbage);

    let png = dir.path().join("image.tif");
    image::GrayImage::from_pixel(4, 4, image::Luma([7u8]))
        .save_with_format(&png, image::ImageFormat::Png)
        .unwrap();
    assert_format_error(&png);

    // Truncated copies of several fixtures, cut at many points: never a panic,
    // always a typed error (at open or at read).
    for name in [
        "d3_uint16.tif",
        "lzw_u16.tif",
        "tiled_deflate_f32.tif",
        "bigtiff_u16.tif",
        "ome_u16.tif",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let cut = dir.path().join(format!("cut_{name}"));
        for len in (0..bytes.len() - 1)
            .step_by(97)
            .chain([4, 8, 9, 16, bytes.len() - 1])
        {
            overwrite(&cut, &bytes[..len]);
            let result = TiffSource::<u16>::open(&cut)
                .and_then(|s| s.read(&Region::full(s.shape())).map(drop))
                .or_else(|e| match e {
                    Error::DataTypeMismatch { .. } => Ok(()),
                    e => Err(e),
                });
            match result {
                Err(Error::Format { .. }) | Err(Error::Unsupported { .. }) => {}
                // A cut after all pixel data and the IFDs that matter may still read.
                Ok(()) => {}
                Err(e) => panic!("{name} cut at {len}: {e:?}"),
            }
        }
    }

    // Corrupted bytes inside a file: a typed error or data, never a panic.
    let bytes = std::fs::read(fixture("tiled_deflate_f32.tif")).unwrap();
    let flipped = dir.path().join("flipped.tif");
    for i in (8..bytes.len()).step_by(53) {
        let mut b = bytes.clone();
        b[i] ^= 0xA5;
        overwrite(&flipped, &b);
        if let Ok(info) = probe(&flipped) {
            with_dtype!(info.dtype, T => {
                if let Ok(s) = TiffSource::<T>::open(&flipped) {
                    let _ = s.read(&Region::full(s.shape()));
                }
            });
        }
    }
}

#[test]
fn a_truncated_stack_is_a_format_error_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixture("d3_uint16.tif")).unwrap();
    // tifffile writes all pixel data first, IFDs after: cut into the last page's data.
    let path = dir.path().join("cut.tif");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        TiffSource::<u16>::open(&path),
        Err(Error::Format { .. })
    ));
}

#[test]
fn missing_file_and_wrong_dtype() {
    assert!(matches!(
        TiffSource::<u8>::open(&fixture("no_such_file.tif")),
        Err(Error::NotFound { .. })
    ));
    match TiffSource::<u8>::open(&fixture("d3_uint16.tif")) {
        Err(Error::DataTypeMismatch { expected, found }) => {
            assert_eq!((expected, found), (DataType::U8, DataType::U16));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsupported_files() {
    for name in [
        "unsupported_rgb.tif",
        "unsupported_planar.tif",
        "unsupported_palette.tif",
        "unsupported_bilevel.tif",
        "unsupported_complex.tif",
        "unsupported_f16.tif",
        "unsupported_miniswhite.tif",
        "unsupported_mixed_pages.tif",
        "unsupported_zstd.tif",
    ] {
        match probe(&fixture(name)) {
            Err(Error::Unsupported { .. }) => {}
            other => panic!("{name}: expected unsupported, got {other:?}"),
        }
    }
}

#[test]
fn out_of_bounds_region_is_an_error() {
    let source = TiffSource::<u16>::open(&fixture("d3_uint16.tif")).unwrap();
    assert!(matches!(
        source.read(&Region::new(vec![4, 0, 0], vec![2, 20, 24])),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn existing_output_is_refused_unless_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exists.tif");
    std::fs::write(&path, b"old").unwrap();
    assert!(matches!(
        TiffSink::<u8>::create(&path, &[2, 2], &WriteOptions::default()),
        Err(Error::Exists { .. })
    ));
    let options = WriteOptions {
        overwrite: true,
        ..Default::default()
    };
    let data = formula_array::<u8>(&[2, 2]);
    write_in_order(&path, &data, &[2, 2], &[0], &options).unwrap();
    assert_eq!(read_all::<u8>(&path), data);
}

#[test]
fn uncommitted_sink_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("never.tif");
    {
        let sink = TiffSink::<u16>::create(&path, &[3, 4, 4], &WriteOptions::default()).unwrap();
        let plane = ArrayD::from_elem(vec![1, 4, 4], 1u16);
        sink.write(&Region::new(vec![0, 0, 0], vec![1, 4, 4]), plane.view())
            .unwrap();
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn incomplete_sink_fails_to_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("part.tif");
    let mut sink = TiffSink::<u16>::create(&path, &[3, 4, 4], &WriteOptions::default()).unwrap();
    let plane = ArrayD::from_elem(vec![1, 4, 4], 1u16);
    sink.write(&Region::new(vec![0, 0, 0], vec![1, 4, 4]), plane.view())
        .unwrap();
    assert!(matches!(sink.commit(), Err(Error::Failed(_))));
    drop(sink);
    assert!(!path.exists());
}

#[test]
fn bad_sink_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.tif");
    let bad = |shape: &[usize], options: &WriteOptions| {
        matches!(
            TiffSink::<u8>::create(&path, shape, options),
            Err(Error::InvalidArgument(_))
        )
    };
    assert!(bad(&[5], &WriteOptions::default()));
    assert!(bad(&[0, 4, 4], &WriteOptions::default()));
    assert!(bad(
        &[4, 4],
        &WriteOptions {
            voxel_size: Some(VoxelSize::new(vec![1.0, 1.0, 1.0], None)),
            ..Default::default()
        }
    ));
    assert!(bad(
        &[4, 4],
        &WriteOptions {
            compression: Some(Compression::Zstd),
            ..Default::default()
        }
    ));
    assert!(!path.exists());
    let sink = TiffSink::<u8>::create(&path, &[2, 4, 4], &WriteOptions::default()).unwrap();
    let wrong = ArrayD::from_elem(vec![1, 4, 3], 1u8);
    assert!(matches!(
        sink.write(&Region::new(vec![0, 0, 0], vec![1, 4, 4]), wrong.view()),
        Err(Error::ShapeMismatch { .. })
    ));
    let plane = ArrayD::from_elem(vec![1, 4, 4], 1u8);
    sink.write(&Region::new(vec![0, 0, 0], vec![1, 4, 4]), plane.view())
        .unwrap();
    // Plane 0 is complete and saved: writing it again is refused.
    assert!(matches!(
        sink.write(&Region::new(vec![0, 0, 0], vec![1, 4, 4]), plane.view()),
        Err(Error::InvalidArgument(_))
    ));
}

#[cfg(target_os = "linux")]
#[test]
fn disk_full_is_an_error_not_a_panic() {
    let full = Path::new("/dev/full");
    if !full.exists() {
        return;
    }
    // /dev/full accepts opening but fails every write with ENOSPC; the sink
    // writes to a temporary sibling, so emulate with a sink whose temporary
    // file is a symlink to /dev/full.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("full.tif");
    let temp = dir
        .path()
        .join(format!(".full.tif.partial-{}", std::process::id()));
    std::os::unix::fs::symlink(full, &temp).unwrap();
    let data = random_array::<u16>(&[2, 64, 64], 3);
    let result = write_in_order(
        &path,
        &data,
        &[1, 64, 64],
        &[0, 1],
        &WriteOptions::default(),
    );
    assert!(
        matches!(result, Err(Error::Io { .. }) | Err(Error::Failed(_))),
        "{result:?}"
    );
    assert!(!path.exists());
}

/// Every byte of several small fixtures corrupted in turn: each open and read
/// gives data or a typed error, never a panic.
#[test]
fn every_corrupted_byte_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.tif");
    for name in [
        "d2_uint8.tif",
        "lzw_u16.tif",
        "packbits_u8.tif",
        "deflate_f64_fpredictor.tif",
        "bigtiff_tiled_i16.tif",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for i in 0..bytes.len() {
            for mask in [0xFFu8, 0x01] {
                let mut b = bytes.clone();
                b[i] ^= mask;
                overwrite(&path, &b);
                let Ok(info) = probe(&path) else { continue };
                with_dtype!(info.dtype, T => {
                    if let Ok(s) = TiffSource::<T>::open(&path) {
                        // A corrupt header may claim a larger (plausible) size: read a corner.
                        let corner: Vec<usize> = s.shape().iter().map(|&n| n.min(64)).collect();
                        let _ = s.read(&Region::new(vec![0; corner.len()], corner));
                    }
                });
            }
        }
    }
}

/// Opening reuses the page walk of the probe just before it only while the
/// file is unchanged: a file rewritten between the two opens as it is now.
#[test]
fn open_after_probe_sees_a_rewritten_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rewritten.tif");
    let options = WriteOptions {
        overwrite: true,
        ..Default::default()
    };
    let first = random_array::<u16>(&[3, 5, 4], 1);
    write_in_order(&path, &first, &[3, 5, 4], &[0], &options).unwrap();
    assert_eq!(probe(&path).unwrap().shape, vec![3, 5, 4]);
    assert_eq!(read_all::<u16>(&path), first);

    assert_eq!(probe(&path).unwrap().shape, vec![3, 5, 4]);
    let second = random_array::<u16>(&[6, 5, 4], 2);
    write_in_order(&path, &second, &[6, 5, 4], &[0], &options).unwrap();
    let source = TiffSource::<u16>::open(&path).unwrap();
    assert_eq!(source.shape(), &[6, 5, 4]);
    assert_eq!(read_all::<u16>(&path), second);
}

/// Released regions of a memory-mapped stack read back the same values:
/// whole planes, a part of a plane, the whole stack, and again after that.
#[test]
fn released_regions_read_back_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("released.tif");
    let shape = [8, 64, 64];
    let data = random_array::<u32>(&shape, 7);
    write_in_order(&path, &data, &shape, &[0], &WriteOptions::default()).unwrap();
    let source = TiffSource::<u32>::open(&path).unwrap();
    let regions = [
        Region::new(vec![2, 0, 0], vec![4, 64, 64]),
        Region::new(vec![1, 3, 5], vec![2, 30, 40]),
        Region::full(&shape),
    ];
    for region in regions.iter().chain(&regions) {
        let before = source.read(region).unwrap();
        assert_eq!(before, region.view(&data));
        source.release(region);
        let mut after = None;
        source
            .read_view(region, &mut |view| {
                after = Some(view.to_owned());
                Ok(())
            })
            .unwrap();
        assert_eq!(after.unwrap(), before);
    }
}
