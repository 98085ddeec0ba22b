"""Whole-image restoration networks (Ivanova et al.'s U-Net): the image in, the restored image
out, tile by tile, with no detector and no mask.

Unlike the detect-then-fill pipeline, such a network may change every pixel; the "mask" it
reports is where it changed the image visibly (more than :data:`CHANGE_TOLERANCE`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from .errors import DustoffError
from .io.scan import to_float, to_native
from .registry import networks
from .tiles import iter_tiles, tile_count

#: A pixel counts as changed (reported in the mask) when a channel moved by more than this.
CHANGE_TOLERANCE = 2 / 255
#: Default tile side; the self-attention costs (tile/8)^4 floats, 1 GB at 1024 px.
TILE = 512


class WholeImageRestorer:
    """Runs a ``task == "restore"`` model file over an image.

    ``__call__(image)``: float32 (H, W, C) in [0, 1], C = 1 or 3 -> float32 (H, W, C) in [0, 1].
    Tiles of ``tile`` pixels overlap by ``overlap`` on each side, and only each tile's core is
    kept, so seams see ``overlap`` pixels of context.
    """

    def __init__(self, weights: str | Path, *, tile: int = TILE, overlap: int = 64):
        from .weights import load

        self.model, self.info = load(str(weights))
        if getattr(self.model, "task", None) != "restore":
            raise DustoffError(f"{weights}: holds a {self.model.task!r} model, not a "
                               "whole-image restoration network")
        self.tile, self.overlap = tile, overlap

    def __call__(self, image: np.ndarray, *, progress: bool = False) -> np.ndarray:
        import torch

        h, w, c = image.shape
        out = np.empty_like(image, dtype=np.float32)
        tiles = iter_tiles(h, w, size=self.tile, overlap=self.overlap)
        with torch.inference_mode():
            for tile in tqdm(tiles, total=tile_count(h, w, size=self.tile), desc="restore",
                             unit="tile", disable=not progress, leave=False):
                part = np.ascontiguousarray(image[tile.padded], dtype=np.float32)
                x = torch.from_numpy(part).permute(2, 0, 1)[None]
                if c == 1:
                    x = x.expand(-1, 3, -1, -1)
                y = self.model(x)[0].permute(1, 2, 0).numpy()
                if c == 1:
                    y = y.mean(axis=2, keepdims=True)
                out[tile.core] = y[tile.inner]
        return out


def restore_samples(color: np.ndarray, name: str, *, weights: str | None = None,
                    progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Restore native samples (H, W, C) (uint8, uint16 or float32 in [0, 1]) with network
    ``name`` (or the model file ``weights``). Returns the restored samples (same dtype) and the
    changed-pixel mask, float32 (H, W) in {0, 1}."""
    restorer = networks.create(name, weights=weights)
    source = to_float(color)
    restored = np.clip(restorer(source, progress=progress), 0.0, 1.0)
    mask = (np.abs(restored - source).max(axis=2) > CHANGE_TOLERANCE).astype(np.float32)
    return to_native(restored, color.dtype), mask


@networks.register("unet-ivanova", "Ivanova et al.'s U-Net (EfficientNet-Lite0), the best of "
                                   "its four loss variants (MSE) after a reduced CPU schedule: "
                                   "end to end, worse than doing nothing; for comparison only "
                                   "(docs/MODELS.md)")
def _unet_ivanova(weights: str | None = None) -> WholeImageRestorer:
    from .weights import packaged

    return WholeImageRestorer(weights or packaged("unet_ivanova"))


@networks.register("network", "any whole-image model file given with --weights")
def _any_network(weights: str | None = None) -> WholeImageRestorer:
    if weights is None:
        raise DustoffError("method 'network' needs --weights MODEL_FILE")
    return WholeImageRestorer(weights)
