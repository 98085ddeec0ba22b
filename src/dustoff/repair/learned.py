"""The learned filler: the ``gated_inpainter`` network for hairs, scratches, blotches and holes,
OpenCV Telea for small specks (where it is exact enough and a hundred times cheaper).

The network fills all the damage of a box at once, as it was trained to: regions whose crops
overlap share one box, and groups wider than a window go through :mod:`dustoff.repair.windows`.
Isolated hairs cost a crop each; dense damage costs about its area. Only masked pixels are
replaced.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..io.scan import to_float
from ..precision import use_bfloat16
from ..registry import fillers
from ..weights import load, packaged
from .fillers import CropFiller, OpenCVFiller
from .regions import Region, merge_crops
from .windows import CELL, MARGIN, WindowFills

WEIGHTS = "gated_inpainter"
#: Pixels of context the network gets around each large region at least (the pipeline's crops
#: have 16-64). With the true mask, 32 gave 46.35 dB on the development benchmark against 46.33
#: for the crops alone and 46.45 for 64, which costs four times as much on a sparse 24-MP scan.
CONTEXT = 32


class LearnedFiller(CropFiller):
    """Telea for regions whose bounding box is at most ``small`` pixels on its longer side, the
    network for the others.

    Parameters
    ----------
    small : int
        Longest side (pixels) of the regions left to Telea.
    weights : path of a dustoff model file (default: the shipped one).
    precision : {"auto", "float32", "bfloat16"}
        The network's number format: "auto" is bfloat16 (autocast) on CPUs with bfloat16
        instructions, where it is 1.3-1.5x faster with the same benchmark figures, and float32
        elsewhere.
    """

    def __init__(self, small: int = 7, weights: str | None = None, precision: str = "auto"):
        import torch

        self.small, self.bfloat16 = small, use_bfloat16(precision)
        model, _ = load(str(weights or packaged(WEIGHTS)))
        # channels-last: oneDNN's faster layout for these small convolutions, 2x on a CPU
        self.model = model.to(memory_format=torch.channels_last)
        self._telea = OpenCVFiller()

    def _region_filler(self, image, mask, labels, regions):
        """Specks to Telea; the large regions' fills come from one :class:`GroupFills`."""
        objects = ndimage.find_objects(labels)
        large = [i for i, region in enumerate(regions)
                 if self._is_large(objects[region.label - 1])]
        network = GroupFills(self._network, image, mask, labels,
                             [(regions[i], objects[regions[i].label - 1]) for i in large])
        served = dict(zip(large, range(len(large))))

        def fill(index, crop, crop_mask, own):
            if index in served:
                return network.crop(served[index])
            return self._telea._fill_crop(crop, crop_mask)
        return fill

    def _is_large(self, box: tuple[slice, ...]) -> bool:
        """Whether a region with bounding ``box`` goes to the network (else to Telea)."""
        return max(s.stop - s.start for s in box) > self.small

    def _fill_region(self, crop: np.ndarray, mask: np.ndarray, own: np.ndarray) -> np.ndarray:
        if self._is_large(ndimage.find_objects(own.view(np.uint8))[0]):
            return self._fill_crop(crop, mask)
        return self._telea._fill_crop(crop, mask)

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
        with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=self.bfloat16):
            y = self.model(x, hole).float().permute(0, 2, 3, 1).numpy()
        out = windows.astype(np.float32, copy=True)
        filled = min(3, out.shape[3])
        out[..., :filled] = y[..., :filled]
        return out


class GroupFills:
    """The network's fills of a list of large regions, computed group by group on demand.

    Each region's crop is widened to at least :data:`CONTEXT` pixels around the region; regions
    whose widened crops overlap form a group filled in one network call on the box around
    them, with all the damage in that box unknown. A group wider than a window goes through
    :class:`WindowFills`. A group's fill is dropped once its last region has been served.

    network : as for :class:`WindowFills`; image : native samples (H, W, C); mask : bool
    (H, W), all damage; labels : int32 (H, W); regions : (Region, bounding box of the region's
    own pixels as a pair of slices), in the order :meth:`crop` will be asked for them.
    """

    def __init__(self, network, image: np.ndarray, mask: np.ndarray, labels: np.ndarray,
                 regions: list[tuple[Region, tuple[slice, slice]]]):
        self.network, self.image, self.mask = network, image, mask
        self.regions = [region for region, _ in regions]
        widened = [_widened(region, box, mask.shape) for region, box in regions]
        self.group, self.boxes = merge_crops(widened, mask.shape)
        side = CELL + 2 * MARGIN
        self.wide = [max(r.stop - r.start, c.stop - c.start) > side for r, c in self.boxes]
        self.last = {g: k for k, g in enumerate(self.group)}
        self.done: dict[int, np.ndarray] = {}
        self.windows = None
        in_wide = [region.label for region, g in zip(self.regions, self.group) if self.wide[g]]
        if in_wide:
            wanted = np.zeros(labels.max() + 1, bool)
            wanted[in_wide] = True
            self.windows = WindowFills(network, image, mask, wanted[labels])
        # no crop after region k starts above later_start[k]: window cells above it can go
        starts = [region.rows.start for region in self.regions] + [mask.shape[0]]
        self.later_start = np.minimum.accumulate(starts[::-1])[::-1][1:]

    def crop(self, k: int) -> np.ndarray:
        """The fill over region ``k``'s crop: float32 (h, w, C), meaningful inside the region."""
        region, g = self.regions[k], self.group[k]
        if self.wide[g]:
            filled = self.windows.crop(region.rows, region.cols)
            self.windows.forget_above(int(self.later_start[k]))
            return filled
        rows, cols = self.boxes[g]
        if g not in self.done:
            self.done[g] = self.network(to_float(self.image[rows, cols])[None],
                                        self.mask[rows, cols][None])[0]
        filled = self.done[g][region.rows.start - rows.start:region.rows.stop - rows.start,
                              region.cols.start - cols.start:region.cols.stop - cols.start]
        if self.last[g] == k:
            del self.done[g]
        return filled


def _widened(region: Region, box: tuple[slice, slice], shape: tuple[int, int]) -> Region:
    """``region``'s crop, widened where needed to CONTEXT pixels around ``box`` (inside shape)."""
    return Region(region.label, *(
        slice(min(crop.start, max(0, own.start - CONTEXT)),
              max(crop.stop, min(n, own.stop + CONTEXT)))
        for crop, own, n in zip((region.rows, region.cols), box, shape)))


@fillers.register("learned", "trained gated-convolution in-painting for hairs, scratches and "
                             "blotches, Telea for small specks (experimental)")
def _make_learned(small: int = 7, weights: str | None = None,
                  precision: str = "auto") -> LearnedFiller:
    return LearnedFiller(small, weights, precision)
