"""Filled regions carry grain like their surroundings, deterministically."""
from __future__ import annotations

import numpy as np

from dustoff.repair.grain import add_grain, high_pass
from dustoff.registry import fillers


def _grainy(seed=0, sigma=0.04):
    rng = np.random.default_rng(seed)
    return np.clip(0.5 + rng.normal(0, sigma, (80, 80, 3)), 0, 1).astype(np.float32)


def _hole():
    mask = np.zeros((80, 80), bool)
    mask[30:42, 30:42] = True
    return mask


def test_grain_matches_the_surroundings():
    image, mask = _grainy(), _hole()
    smooth = fillers.create("telea").fill(image, mask)
    grained = add_grain(smooth, image, mask, mask, np.random.default_rng(0))
    around = high_pass(image)[~mask].std()
    assert high_pass(smooth)[mask].std() < 0.5 * around       # a smooth patch without grain
    assert 0.7 * around < high_pass(grained)[mask].std() < 1.3 * around
    assert np.array_equal(grained[~mask], smooth[~mask])


def test_grain_is_deterministic_for_a_seed():
    image, mask = _grainy(), _hole()
    smooth = fillers.create("telea").fill(image, mask)
    a = add_grain(smooth, image, mask, mask, np.random.default_rng(5))
    b = add_grain(smooth, image, mask, mask, np.random.default_rng(5))
    assert np.array_equal(a, b)


def test_region_filling_its_whole_crop_falls_back_to_matched_noise():
    image = _grainy(sigma=0.03)
    mask = np.zeros((80, 80), bool)
    mask[10:70, 10:70] = True  # no clean donor patch of this shape fits in the crop
    smooth = np.full_like(image, 0.5)
    grained = add_grain(smooth, image, mask, mask, np.random.default_rng(1))
    assert 0.01 < grained[mask].std() < 0.06
