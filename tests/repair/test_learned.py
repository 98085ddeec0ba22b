"""The learned filler: the network for large regions, Telea for specks, nothing else touched."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.models import create_model
from dustoff.repair.learned import LearnedFiller
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


def test_large_regions_go_to_the_network_and_specks_to_telea(filler, monkeypatch):
    calls = []
    network = filler._network
    monkeypatch.setattr(filler, "_network",
                        lambda windows, holes: calls.append(holes.copy()) or network(windows, holes))
    image, mask = textured(96, 128), _scratch_and_speck()
    out = filler.fill(image, mask)
    # one window, the whole image, with every damaged pixel unknown to the network
    assert len(calls) == 1 and np.array_equal(calls[0][0], mask)
    assert np.array_equal(out[~mask], image[~mask])
    assert np.abs(out[mask] - image[mask]).max() > 0
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    grey = filler.fill(image[:, :, :1], mask)
    assert grey.shape == (96, 128, 1) and np.array_equal(grey[~mask], image[~mask, :1])


def test_specks_alone_never_run_the_network(filler, monkeypatch):
    monkeypatch.setattr(filler, "_network", lambda *args: pytest.fail("network ran"))
    mask = np.zeros((64, 64), bool)
    mask[10:13, 10:13] = mask[40:44, 30:33] = True
    assert not np.array_equal(filler.fill(textured(64, 64), mask)[mask], textured(64, 64)[mask])


def test_a_region_filled_alone_matches_its_window_when_the_window_is_the_crop(filler):
    image, mask = textured(96, 128), _scratch_and_speck()
    whole = filler.fill(image, mask)
    alone = filler.fill_region(image, mask, mask & (np.arange(96) > 40)[:, None])
    scratch = mask & (np.arange(96) > 40)[:, None]
    assert np.allclose(alone[scratch], whole[scratch], atol=1e-6)
