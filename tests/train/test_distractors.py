"""Scene distractors and colour jitter: scene content painted under the damage, mask untouched."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.cli.main import main
from dustoff.train.data import AUGMENTS, PairDataset, SceneAugment
from dustoff.train.distractors import (KINDS, ColourJitter, SceneDistractors,
                                       paint_under_damage)
from train.conftest import TINY_DETECTOR


def _pair(size=96, seed=0):
    """A textured clean image, a damaged copy with an opaque dark disc and a half-opaque
    bright bar, and the opacity mask."""
    rng = np.random.default_rng(seed)
    clean = np.clip(0.5 + 0.2 * rng.standard_normal((size, size, 3)), 0, 1).astype(np.float32)
    mask = np.zeros((size, size), np.float32)
    yy, xx = np.ogrid[:size, :size]
    mask[(yy - 30) ** 2 + (xx - 30) ** 2 < 64] = 1.0
    mask[60:64, 10:80] = 0.5
    damage = np.where(mask[:, :, None] == 1.0, 0.05, 0.95).astype(np.float32)
    damaged = clean * (1 - mask[:, :, None]) + damage * mask[:, :, None]
    return damaged.astype(np.float32), clean, mask, damage


def test_paint_under_damage_is_the_scene_changing_beneath_the_damage():
    damaged, clean, mask, damage = _pair()
    colour = np.full_like(clean, 0.2)
    alpha = np.zeros_like(mask)
    alpha[20:70, 20:70] = 0.8
    new_damaged, new_clean = paint_under_damage(damaged, clean, mask, colour, alpha)
    # The new damaged image is the same damage blended over the new scene.
    expected = new_clean * (1 - mask[:, :, None]) + damage * mask[:, :, None]
    np.testing.assert_allclose(new_damaged, expected, atol=1e-6)
    assert np.array_equal(new_damaged[mask == 1], damaged[mask == 1])  # opaque damage on top
    assert not np.array_equal(new_clean, clean)
    assert new_clean.dtype == new_damaged.dtype == np.float32


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_draws_something_in_range(kind):
    _, clean, _, _ = _pair(size=128)
    for seed in range(4):
        colour, alpha = KINDS[kind](clean, np.random.default_rng(seed))
        assert colour.shape == clean.shape and alpha.shape == clean.shape[:2]
        assert alpha.min() >= 0 and alpha.max() <= 1 and alpha.max() > 0.3
        assert colour.min() >= 0 and colour.max() <= 1


def test_distractors_keep_the_mask_and_the_undamaged_pixels_equal():
    damaged, clean, mask, _ = _pair()
    before = mask.copy()
    for seed in range(6):
        new_damaged, new_clean, new_mask = SceneDistractors(p=1.0)(
            [damaged, clean, mask], np.random.default_rng(seed))
        assert np.array_equal(new_mask, before)
        outside = mask == 0
        np.testing.assert_allclose(new_damaged[outside], new_clean[outside], atol=1e-6)
        assert np.abs(new_clean - clean).max() > 0.1
    untouched = SceneDistractors(p=0.0)([damaged, clean, mask], np.random.default_rng(0))
    assert all(a is b for a, b in zip(untouched, [damaged, clean, mask]))


def test_colour_jitter_keeps_greys_and_treats_both_images_alike():
    jitter = ColourJitter(p=1.0)
    grey = np.linspace(0, 1, 48, dtype=np.float32)[:, None, None] * np.ones((48, 48, 3),
                                                                             np.float32)
    out = jitter([grey, grey.copy(), np.zeros((48, 48), np.float32)], np.random.default_rng(1))
    np.testing.assert_allclose(out[0], grey, atol=1e-5)
    damaged, clean, mask, _ = _pair()
    new_damaged, new_clean, new_mask = jitter([damaged, clean, mask], np.random.default_rng(2))
    assert new_mask is mask and not np.allclose(new_clean, clean)
    # one colour matrix for both: undamaged pixels stay equal
    np.testing.assert_allclose(new_damaged[mask == 0], new_clean[mask == 0], atol=1e-6)
    same = ColourJitter(p=1.0, hue=0.0, saturation=(1.0, 1.0))
    np.testing.assert_allclose(same([clean, clean, mask], np.random.default_rng(0))[1], clean,
                               atol=1e-5)


def test_scene_augment_makes_training_items(tiny_dataset):
    assert AUGMENTS["scene"] is SceneAugment
    data = PairDataset(tiny_dataset, "train", crop=32, augment=SceneAugment(1.0, 1.0), seed=1)
    item = data[0]
    assert item["damaged"].shape == item["clean"].shape == (3, 32, 32)
    assert item["mask"].shape == (1, 32, 32)
    assert 0 <= float(item["damaged"].min()) and float(item["damaged"].max()) <= 1


def test_train_accepts_the_scene_augment(tiny_dataset, tmp_path):
    assert main(["train", "dust_detector", "--data", str(tiny_dataset), "-o",
                 str(tmp_path / "run"), "--epochs", "1", "--config", TINY_DETECTOR,
                 "--crop", "32", "--batch", "2", "--quiet", "--augment", "scene"]) == 0
