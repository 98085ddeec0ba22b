"""The learned filler: the network for large regions, Telea for specks, nothing else touched."""
from __future__ import annotations

import numpy as np

from dustoff.models import create_model
from dustoff.repair.learned import LearnedFiller
from dustoff.train import save_model
from helpers import textured


def test_large_regions_go_to_the_network_and_specks_to_telea(tmp_path, monkeypatch):
    model = create_model("gated_inpainter", widths=[4, 8, 8])
    weights = save_model(model, tmp_path / "fill.safetensors")
    filler = LearnedFiller(small=7, weights=str(weights))
    calls = []
    network = filler._fill_crop
    monkeypatch.setattr(filler, "_fill_crop",
                        lambda crop, mask: calls.append(crop.shape) or network(crop, mask))
    image = textured(96, 128)
    mask = np.zeros((96, 128), bool)
    mask[20:23, 20:23] = True          # a speck: Telea
    mask[60:63, 30:90] = True          # a scratch: the network
    out = filler.fill(image, mask)
    assert len(calls) == 1 and calls[0][1] > 60
    assert np.array_equal(out[~mask], image[~mask])
    assert np.abs(out[mask] - image[mask]).max() > 0
    assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    grey = filler.fill(image[:, :, :1], mask)
    assert grey.shape == (96, 128, 1)
