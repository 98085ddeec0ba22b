"""The learned filler: the network for large regions, Telea for specks, nothing else touched."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.models import create_model
from dustoff.repair.learned import CONTEXT, LearnedFiller
from dustoff.repair.regions import find_regions
from dustoff.repair.windows import CELL, MARGIN
from dustoff.train import save_model
from helpers import textured


@pytest.fixture
def filler(tmp_path):
    model = create_model("gated_inpainter", widths=[4, 8, 8])
    return LearnedFiller(small=7, weights=str(save_model(model, tmp_path / "fill.safetensors")))


def _scratch_and_speck(h=96, w=128):
    mask = np.zeros((h, w), bool)
    mask[20:23, 20:23] = True          # a speck: Telea
    mask[60:63, 30:90] = True          # a scratch: the network
    return mask


def _recording(filler, monkeypatch):
    calls = []
    network = filler._network
    def recording(windows, holes):
        calls.append(holes.copy())
        return network(windows, holes)

    monkeypatch.setattr(filler, "_network", recording)
    return calls


def test_large_regions_go_to_the_network_and_specks_to_telea(filler, monkeypatch):
    calls = _recording(filler, monkeypatch)
    image, mask = textured(96, 128), _scratch_and_speck()
    out = filler.fill(image, mask)
    _, regions = find_regions(mask)
    scratch = regions[1]
    # one call, on the scratch's crop widened to CONTEXT pixels around it, with all its damage
    assert len(calls) == 1 and calls[0][0].sum() == 180
    assert calls[0].shape[1:] == (63 + CONTEXT - (60 - CONTEXT), 90 + CONTEXT)
    assert calls[0].shape[1] >= scratch.rows.stop - scratch.rows.start
    assert np.array_equal(out[~mask], image[~mask])
    assert np.abs(out[mask] - image[mask]).max() > 0
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    grey = filler.fill(image[:, :, :1], mask)
    assert grey.shape == (96, 128, 1) and np.array_equal(grey[~mask], image[~mask, :1])


def test_regions_with_overlapping_crops_are_filled_in_one_call(filler, monkeypatch):
    calls = _recording(filler, monkeypatch)
    mask = np.zeros((200, 200), bool)
    mask[50:53, 20:80] = mask[60:63, 70:140] = True      # crops overlap: one box
    mask[170:190, 180:183] = True                         # far away: a box of its own
    filler.fill(textured(200, 200), mask)
    assert len(calls) == 2
    assert calls[0].shape[1] < 100 and calls[0].shape[2] > 140 and calls[0][0].sum() == 3 * 130
    assert calls[1][0].sum() == 60


def test_a_group_wider_than_a_window_goes_through_windows(filler, monkeypatch):
    calls = _recording(filler, monkeypatch)
    mask = np.zeros((40, 1400), bool)
    mask[18:21, 50:1350] = True
    out = filler.fill(textured(40, 1400), mask)
    assert [c.shape for c in calls] == [(1, 40, CELL + 2 * MARGIN)] * 3
    assert np.abs(out[mask] - textured(40, 1400)[mask]).max() > 0


def test_specks_alone_never_run_the_network(filler, monkeypatch):
    monkeypatch.setattr(filler, "_network", lambda *args: pytest.fail("network ran"))
    mask = np.zeros((64, 64), bool)
    mask[10:13, 10:13] = mask[40:44, 30:33] = True
    assert not np.array_equal(filler.fill(textured(64, 64), mask)[mask], textured(64, 64)[mask])


def test_one_region_can_still_be_filled_on_its_own_crop(filler):
    image, mask = textured(96, 128), _scratch_and_speck()
    labels, regions = find_regions(mask)
    scratch = regions[1]
    crop, own = image[scratch.rows, scratch.cols], labels[scratch.rows, scratch.cols] == 2
    alone = filler.fill_region(crop, mask[scratch.rows, scratch.cols], own)
    assert alone.shape == crop.shape and np.abs(alone[own] - crop[own]).max() > 0
    assert 0 <= alone.min() and alone.max() <= 1


def test_bfloat16_fills_close_to_float32_and_unknown_precisions_are_refused(tmp_path):
    import torch

    model = create_model("gated_inpainter", widths=[4, 8, 8])
    torch.nn.init.normal_(model.out.weight, std=0.05)  # a network that adds to push-pull
    weights = str(save_model(model, tmp_path / "fill.safetensors"))
    image, mask = textured(96, 128), _scratch_and_speck()
    full = LearnedFiller(weights=weights, precision="float32").fill(image, mask)
    half = LearnedFiller(weights=weights, precision="bfloat16").fill(image, mask)
    assert np.array_equal(half[~mask], image[~mask])
    assert 0 < np.abs(half - full).max() < 4 / 255
    with pytest.raises(ValueError, match="precision must be one of"):
        LearnedFiller(weights=weights, precision="float16")
