"""The classical detector finds specks and scratches and leaves grain and content alone."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.detect import ClassicalDetector
from helpers import textured, with_specks


def test_finds_dark_specks_and_nothing_else(specked):
    damaged, truth = specked
    mask = ClassicalDetector()(damaged)
    assert mask.dtype == np.float32 and mask.shape == truth.shape
    assert mask[truth].min() == 1.0
    grown = np.zeros_like(truth)
    for y, x in zip(*np.nonzero(truth)):
        grown[max(0, y - 3):y + 4, max(0, x - 3):x + 4] = True
    assert not mask[~grown].any()


def test_grain_alone_is_not_damage():
    rng = np.random.default_rng(3)
    grainy = np.clip(0.5 + rng.normal(0, 0.04, (200, 200, 3)), 0, 1).astype(np.float32)
    for polarity in ("dark", "light", "both"):
        assert ClassicalDetector(polarity=polarity)(grainy).sum() == 0


def test_polarity_selects_dark_or_light_damage(clean):
    image = clean.copy()
    image[40:43, 40:43] = 0.02   # dark speck
    image[70:73, 100:103] = 0.98  # light speck
    dark = ClassicalDetector(polarity="dark")(image)
    light = ClassicalDetector(polarity="light")(image)
    both = ClassicalDetector(polarity="both")(image)
    assert dark[41, 41] == 1 and dark[71, 101] == 0
    assert light[71, 101] == 1 and light[41, 41] == 0
    assert both[41, 41] == 1 and both[71, 101] == 1


def test_faint_long_vertical_scratch_is_found():
    rng = np.random.default_rng(1)
    frame = np.clip(0.5 + rng.normal(0, 0.03, (512, 256, 3)), 0, 1).astype(np.float32)
    frame[:, 120:122] -= 0.05  # about 2 grain sigmas: invisible pixel by pixel, clear as a line
    frame = np.clip(frame, 0, 1)
    default = ClassicalDetector()(frame)
    assert default[:, 120:122].any(axis=1).mean() > 0.7
    assert default[:, :100].sum() == 0
    keen = ClassicalDetector(sensitivity=0.7)(frame)
    assert keen[:, 120:122].any(axis=1).mean() > 0.95
    assert keen[:, :100].sum() == 0


def test_coloured_content_is_not_dust(clean):
    image = clean.copy()
    image[40:44, 40:44] = [0.05, 0.35, 0.05]  # a dark green spot: hue changes, not dust
    image[60:64, 90:94] = 0.05                # neutral dark speck
    mask = ClassicalDetector()(image)
    assert mask[41, 41] == 0 and mask[61, 91] == 1


def test_star_with_glow_is_not_light_dust():
    yy, xx = np.mgrid[0:96, 0:96]
    sky = np.full((96, 96, 3), 0.08, np.float32)
    star = np.exp(-((yy - 30) ** 2 + (xx - 30) ** 2) / (2 * 2.0 ** 2)) * 0.9
    sky += star[:, :, None].astype(np.float32)
    sky[60:63, 70:73] = 0.95  # hard-edged light dust
    mask = ClassicalDetector(polarity="light")(np.clip(sky, 0, 1))
    assert mask[30, 30] == 0 and mask[61, 71] == 1


def test_higher_sensitivity_finds_more():
    image = textured(128, 128, seed=5)
    faint = image.copy()
    for i, (y, x) in enumerate([(20, 20), (20, 60), (60, 20), (60, 100), (100, 60)]):
        faint[y:y + 3, x:x + 3] *= 0.45 + 0.08 * i  # from clear to faint
    low = ClassicalDetector(sensitivity=0.1)(faint).sum()
    high = ClassicalDetector(sensitivity=0.9)(faint).sum()
    assert high > low


def test_greyscale_images_work():
    damaged, truth = with_specks(textured(channels=1))
    mask = ClassicalDetector()(damaged)
    assert mask[truth].min() == 1.0


@pytest.mark.parametrize("bad", [{"polarity": "sideways"}, {"sensitivity": 1.5}])
def test_invalid_options_are_refused(bad):
    with pytest.raises(ValueError):
        ClassicalDetector(**bad)
