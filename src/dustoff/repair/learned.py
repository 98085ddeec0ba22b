"""The learned filler: the ``gated_inpainter`` network for hairs, scratches, blotches and holes,
OpenCV Telea for small specks (where it is exact enough and a hundred times cheaper).

The network fills the whole damage mask of a window at once, as it was trained to
(:mod:`dustoff.repair.windows`), and only the windows holding a region too large for Telea are
computed, so the cost follows the area the damage is spread over. Only masked pixels are
replaced.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
from scipy import ndimage

from ..io.scan import to_float
from ..registry import fillers
from ..weights import load, packaged
from .fillers import CropFiller, OpenCVFiller, RegionFill
from .regions import Region
from .windows import WindowFills

WEIGHTS = "gated_inpainter"


class LearnedFiller(CropFiller):
    """Telea for regions whose bounding box is at most ``small`` pixels on its longer side, the
    network for the others.

    Parameters
    ----------
    small : int
        Longest side (pixels) of the regions left to Telea.
    weights : path of a dustoff model file (default: the shipped one).
    batch : windows per network call.
    """

    def __init__(self, small: int = 7, weights: str | None = None, batch: int = 4):
        self.small, self.batch = small, batch
        import torch

        model, _ = load(str(weights or packaged(WEIGHTS)))
        # channels-last: oneDNN's faster layout for these small convolutions, 2x on a CPU
        self.model = model.to(memory_format=torch.channels_last)
        self._telea = OpenCVFiller()

    def fills(self, image: np.ndarray, mask: np.ndarray, labels: np.ndarray,
              regions: list[Region]) -> Iterator[RegionFill]:
        """As :meth:`CropFiller.fills`; the large regions' fills come from whole windows."""
        large = self._large_labels(labels)
        windows = (WindowFills(self._network, image, mask, large[labels], batch=self.batch)
                   if large.any() else None)
        # No crop after region i starts above later_start[i]: cells above it can be dropped.
        starts = [region.rows.start for region in regions] + [mask.shape[0]]
        later_start = np.minimum.accumulate(starts[::-1])[::-1][1:]
        for region, forget in zip(regions, later_start):
            crop = to_float(image[region.rows, region.cols])
            crop_mask = mask[region.rows, region.cols]
            own = labels[region.rows, region.cols] == region.label
            if large[region.label]:
                filled = windows.crop(region.rows, region.cols)
                windows.forget_above(int(forget))
            else:
                filled = self._telea._fill_crop(crop, crop_mask)
            yield RegionFill(region, crop, crop_mask, own, np.clip(filled, 0.0, 1.0))

    def _large_labels(self, labels: np.ndarray) -> np.ndarray:
        """bool (labels.max() + 1,): True for the labels whose bounding box exceeds ``small``."""
        boxes = ndimage.find_objects(labels)
        large = np.zeros(len(boxes) + 1, bool)
        for label, box in enumerate(boxes, start=1):
            if box is not None:
                large[label] = max(s.stop - s.start for s in box) > self.small
        return large

    def _fill_region(self, crop: np.ndarray, mask: np.ndarray, own: np.ndarray) -> np.ndarray:
        rows, cols = np.nonzero(own)
        extent = max(np.ptp(rows), np.ptp(cols)) + 1
        if extent <= self.small:
            return self._telea._fill_crop(crop, mask)
        return self._fill_crop(crop, mask)

    def _fill_crop(self, crop: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return self._network(crop[None], mask[None])[0]

    def _network(self, windows: np.ndarray, holes: np.ndarray) -> np.ndarray:
        """windows float32 (B, h, w, C) in [0, 1], C = 1 or >= 3; holes bool (B, h, w) ->
        float32 (B, h, w, C) in [0, 1]: the holes filled (channels past the third kept)."""
        import torch

        colour = windows if windows.shape[3] >= 3 else np.repeat(windows[..., :1], 3, axis=3)
        # (B, h, w, C) arrays are channels-last tensors as they stand: permuting copies nothing
        x = torch.from_numpy(np.ascontiguousarray(colour[..., :3])).permute(0, 3, 1, 2)
        hole = torch.from_numpy(holes.astype(np.float32))[:, None]
        with torch.inference_mode():
            y = self.model(x, hole).permute(0, 2, 3, 1).numpy()
        out = windows.astype(np.float32, copy=True)
        filled = min(3, out.shape[3])
        out[..., :filled] = y[..., :filled]
        return out


@fillers.register("learned", "trained gated-convolution in-painting for hairs, scratches and "
                             "blotches, Telea for small specks (experimental)")
def _make_learned(small: int = 7, weights: str | None = None) -> LearnedFiller:
    return LearnedFiller(small, weights)
