"""The learned filler: the ``gated_inpainter`` network for hairs, scratches, blotches and holes,
OpenCV Telea for small specks (where it is exact enough and a hundred times cheaper).

Like the classical fillers it works region by region on crops with context around each, so the
cost follows the amount of damage, and only the masked pixels are replaced.
"""
from __future__ import annotations

import numpy as np

from ..registry import fillers
from ..weights import load, packaged
from .fillers import CropFiller, OpenCVFiller

WEIGHTS = "gated_inpainter"


class LearnedFiller(CropFiller):
    """Per region: Telea when the region's bounding box is at most ``small`` pixels on its
    longer side, the network otherwise.

    Parameters
    ----------
    small : int
        Longest side (pixels) of the regions left to Telea.
    weights : path of a dustoff model file (default: the shipped one).
    """

    def __init__(self, small: int = 7, weights: str | None = None):
        self.small = small
        self.model, _ = load(str(weights or packaged(WEIGHTS)))
        self._telea = OpenCVFiller()

    def _fill_region(self, crop: np.ndarray, mask: np.ndarray, own: np.ndarray) -> np.ndarray:
        rows, cols = np.nonzero(own)
        extent = max(np.ptp(rows), np.ptp(cols)) + 1
        if extent <= self.small:
            return self._telea._fill_crop(crop, mask)
        return self._fill_crop(crop, mask)

    def _fill_crop(self, crop: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import torch

        if crop.shape[2] == 1:
            return self._fill_crop(np.repeat(crop, 3, axis=2), mask)[:, :, :1]
        x = torch.from_numpy(np.ascontiguousarray(crop[:, :, :3])).permute(2, 0, 1)[None]
        hole = torch.from_numpy(mask.astype(np.float32))[None, None]
        with torch.inference_mode():
            y = self.model(x, hole)
        return y[0].permute(1, 2, 0).numpy()


@fillers.register("learned", "trained gated-convolution in-painting for hairs, scratches and "
                             "blotches, Telea for small specks (experimental)")
def _make_learned(small: int = 7, weights: str | None = None) -> LearnedFiller:
    return LearnedFiller(small, weights)
