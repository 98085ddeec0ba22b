"""Every format, bit depth and channel layout survives read -> write -> read unchanged, with its
metadata."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms

from dustoff.io import read_image, read_scan, write_image, write_scan

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "ScanCo"
    exif[0x0110] = "FilmScanner 9000"
    return exif.tobytes()


def _samples(shape, dtype, seed=0):
    top = np.iinfo(dtype).max
    return np.random.default_rng(seed).integers(0, top + 1, shape, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_roundtrip_is_bit_exact_with_metadata(tmp_path, dtype, channels):
    shape = (23, 31) if channels == 1 else (23, 31, channels)
    data = _samples(shape, dtype)
    src = tmp_path / "in.png"
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[channels]
    if dtype == np.uint8:
        Image.fromarray(data, mode).save(src, icc_profile=ICC, exif=_exif(), dpi=(2400, 2400))
    else:  # Pillow cannot write 16-bit colour PNG; write pixels with dustoff, then check metadata
        import imagecodecs
        src.write_bytes(imagecodecs.png_encode(data))
    scan = read_scan(src)
    assert scan.bit_depth == dtype().itemsize * 8
    write_scan(scan, tmp_path / "out.png")
    back = read_scan(tmp_path / "out.png")
    stacked = back.color if back.alpha is None else np.dstack([back.color, back.alpha])
    assert np.array_equal(stacked.reshape(data.shape), data)
    if dtype == np.uint8:
        info = Image.open(tmp_path / "out.png").info
        assert info["icc_profile"] == ICC
        assert Image.open(tmp_path / "out.png").getexif()[0x0110] == "FilmScanner 9000"
        assert tuple(round(v) for v in info["dpi"]) == (2400, 2400)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("layout", ["grey", "rgb", "rgba"])
@pytest.mark.parametrize("tiled", [False, True])
def test_tiff_roundtrip_keeps_samples_layout_and_tags(tmp_path, dtype, layout, tiled):
    channels = {"grey": 1, "rgb": 3, "rgba": 4}[layout]
    shape = (70, 90) if channels == 1 else (70, 90, channels)
    data = _samples(shape, dtype)
    src = tmp_path / "in.tif"
    tifffile.imwrite(
        src, data, photometric="minisblack" if channels == 1 else "rgb",
        extrasamples=[2] if channels == 4 else None, tile=(32, 32) if tiled else None,
        compression="zlib", resolution=(4000, 4000), resolutionunit=2, iccprofile=ICC,
        description="Kodachrome 64, frame 12", software="VueScan 9",
        extratags=[(271, "s", 0, "Nikon", True), (700, "B", 11, b"<x:xmpmeta>", True)],
        metadata=None)
    scan = read_scan(src)
    assert scan.bit_depth == dtype().itemsize * 8
    assert (scan.alpha is not None) == (channels == 4)
    write_scan(scan, tmp_path / "out.tif")
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        page = tif.pages[0]
        assert np.array_equal(page.asarray(), data)
        assert page.is_tiled == tiled
        assert page.tags[282].value == (4000, 1)
        assert page.tags[34675].value == ICC
        assert page.tags[271].value == "Nikon"
        assert page.tags[700].value == b"<x:xmpmeta>"
        assert page.tags[270].value == "Kodachrome 64, frame 12"
        assert page.tags[305].value == "VueScan 9"
        assert tuple(page.extrasamples) == ((2,) if channels == 4 else ())


def test_rgbi_tiff_exposes_infrared_and_writes_it_back(tmp_path):
    data = _samples((40, 50, 4), np.uint16)
    tifffile.imwrite(tmp_path / "scan.tif", data, photometric="rgb", extrasamples=[0])
    scan = read_scan(tmp_path / "scan.tif", infrared=True)
    assert scan.color.shape == (40, 50, 3) and scan.alpha is None
    assert np.array_equal(scan.infrared, data[:, :, 3])
    write_scan(scan, tmp_path / "out.tif")
    assert np.array_equal(tifffile.imread(tmp_path / "out.tif"), data)
    plain = read_scan(tmp_path / "scan.tif")  # without the option: an untouched extra channel
    assert plain.infrared is None and plain.alpha is None and plain.extra.shape == (40, 50, 1)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_jpeg_keeps_quantisation_and_metadata(tmp_path, mode):
    from helpers import textured

    data = (textured(64, 80) * 255).round().astype(np.uint8)
    im = Image.fromarray(data).convert(mode)
    im.save(tmp_path / "in.jpg", quality=88, icc_profile=ICC, exif=_exif(), dpi=(300, 300))
    scan = read_scan(tmp_path / "in.jpg")
    write_scan(scan, tmp_path / "out.jpg")
    src, out = Image.open(tmp_path / "in.jpg"), Image.open(tmp_path / "out.jpg")
    assert out.mode == mode and out.size == src.size
    assert out.quantization == src.quantization
    if mode == "RGB":
        from PIL.JpegImagePlugin import get_sampling
        assert get_sampling(out) == get_sampling(src)
    assert out.info["icc_profile"] == ICC and out.getexif()[0x0110] == "FilmScanner 9000"
    assert out.info["dpi"] == (300, 300)
    # same tables on decoded pixels: generation loss stays small
    diff = np.abs(np.asarray(out, int) - np.asarray(src, int))
    assert diff.mean() < 1.0


def test_sixteen_bit_is_never_written_as_eight(tmp_path):
    image = np.linspace(0, 1, 64 * 64 * 3, dtype=np.float32).reshape(64, 64, 3)
    write_image(tmp_path / "deep.png", image, bit_depth=16)
    scan = read_scan(tmp_path / "deep.png")
    assert scan.bit_depth == 16
    assert len(np.unique(scan.color)) > 256
    assert np.abs(read_image(tmp_path / "deep.png") - image).max() <= 1 / 65535


def test_outputs_are_written_with_ordinary_permissions(tmp_path):
    path = write_image(tmp_path / "x.png", np.zeros((4, 4, 3), np.float32))
    assert path.stat().st_mode & 0o044  # readable by others, unlike mkstemp's 0600
    assert not list(tmp_path.glob(".*.part"))  # no temporary left behind


def test_bigtiff_stays_bigtiff(tmp_path):
    data = _samples((50, 40, 3), np.uint16)
    tifffile.imwrite(tmp_path / "big.tif", data, photometric="rgb", bigtiff=True, tile=(16, 16))
    write_scan(read_scan(tmp_path / "big.tif"), tmp_path / "out.tif")
    with tifffile.TiffFile(tmp_path / "out.tif") as tif:
        assert tif.is_bigtiff and tif.pages[0].is_tiled
        assert np.array_equal(tif.pages[0].asarray(), data)
