"""restore: repairs damage, bit-exact elsewhere, on 8- and 16-bit files, in tiles."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import tifffile

import dustoff
from dustoff.cli.main import main
from dustoff.io import read_scan, to_native
from dustoff.pipeline import RestoreOptions, detect_samples
from helpers import textured, with_specks


def _outside(mask: np.ndarray, grow: int = 2) -> np.ndarray:
    size = 2 * grow + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return ~cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)


@pytest.mark.parametrize("dtype,suffix", [(np.uint8, ".png"), (np.uint16, ".png"),
                                          (np.uint8, ".tif"), (np.uint16, ".tif")])
def test_restored_file_is_bit_identical_outside_the_mask(tmp_path, dtype, suffix):
    clean = textured(160, 200, seed=2)
    damaged, truth = with_specks(clean, spots=((40, 50), (100, 150), (120, 30)))
    samples = to_native(damaged, dtype)
    src = tmp_path / f"scan{suffix}"
    if suffix == ".tif":
        tifffile.imwrite(src, samples, photometric="rgb")
    else:
        dustoff.write_scan(dustoff.io.Scan(color=samples, format="png"), src)
    assert main(["restore", str(src), "-o", str(tmp_path / "out"), "--save-mask"]) == 0
    out = read_scan(tmp_path / "out" / src.name)
    mask = read_scan(tmp_path / "out" / "scan.mask.png").color[:, :, 0] >= 128
    assert out.color.dtype == dtype
    assert mask[truth].all()
    keep = _outside(mask)
    assert np.array_equal(out.color[keep], samples[keep])
    before = np.abs(damaged - clean)[truth].mean()
    after = np.abs(out.color_float() - clean)[truth].mean()
    assert after < 0.1 * before


def test_alpha_and_metadata_survive_restore(tmp_path):
    from PIL import Image
    rgba = np.dstack([to_native(with_specks(textured())[0], np.uint8),
                      np.full((96, 128), 200, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png", dpi=(1200, 1200))
    assert main(["restore", str(tmp_path / "a.png"), "-o", str(tmp_path / "o")]) == 0
    out = Image.open(tmp_path / "o" / "a.png")
    assert out.mode == "RGBA" and np.all(np.asarray(out)[:, :, 3] == 200)
    assert tuple(round(v) for v in out.info["dpi"]) == (1200, 1200)


def test_tiled_detection_equals_whole_image_detection():
    damaged, _ = with_specks(textured(300, 280, seed=4),
                             spots=((63, 63), (64, 130), (200, 127), (150, 250)))
    whole = detect_samples(damaged, RestoreOptions(detector="classical", tile=4096))
    tiled = detect_samples(damaged, RestoreOptions(detector="classical", tile=64))
    assert np.array_equal(whole, tiled)


def test_learned_detection_in_tiles_matches_the_whole_image():
    damaged, truth = with_specks(textured(300, 280, seed=4),
                                 spots=((63, 63), (64, 130), (200, 127), (150, 250)))
    whole = detect_samples(damaged, RestoreOptions(tile=4096))
    tiled = detect_samples(damaged, RestoreOptions(tile=128))
    assert whole[truth].all() and tiled[truth].all()
    assert np.mean(whole != tiled) < 1e-3


def test_user_mask_is_used_instead_of_detection(tmp_path):
    clean = textured()
    image = clean.copy()
    image[10:20, 10:60] = 0.9  # a large blotch no speck detector would take
    mask = np.zeros(image.shape[:2], bool)
    mask[10:20, 10:60] = True
    restored = dustoff.restore(image, mask, grain=False)
    assert np.abs(restored[mask] - clean[mask]).mean() < 0.05
    assert np.array_equal(restored[_outside(mask)], image[_outside(mask)])


def test_python_api_keeps_dtype_and_shape():
    damaged, truth = with_specks(textured(channels=1))
    samples = to_native(damaged, np.uint16)[:, :, 0]
    restored, mask = dustoff.restore(samples, return_mask=True)
    assert restored.dtype == np.uint16 and restored.shape == samples.shape
    assert mask.dtype == np.float32 and mask[truth].all()


def test_restore_is_deterministic():
    damaged, _ = with_specks(textured())
    assert np.array_equal(dustoff.restore(damaged, seed=3), dustoff.restore(damaged, seed=3))


def test_clean_image_comes_back_untouched():
    clean = textured(200, 200, seed=9)
    assert np.array_equal(dustoff.restore(clean), clean)


def test_passes_with_the_classical_detector_are_refused_in_python():
    """The averaging passes belong to the learned detector; asking the classical one for them
    is a clear ValueError, not the detector factory's TypeError."""
    img = np.full((32, 32, 3), 0.5, np.float32)
    with pytest.raises(ValueError, match="passes is for the learned detector"):
        dustoff.restore(img, detector="classical", passes=2)
    with pytest.raises(ValueError, match="passes is for the learned detector"):
        dustoff.detect(img, method="classical", passes=2)


def test_precision_reaches_the_learned_detector_from_python():
    img = np.full((32, 32, 3), 0.5, np.float32)
    with pytest.raises(ValueError, match="precision is for the learned detector"):
        dustoff.restore(img, detector="classical", precision="float32")
    with pytest.raises(ValueError, match="precision must be one of"):
        dustoff.detect(img, precision="float16")
    assert dustoff.restore(img, precision="float32").shape == img.shape
