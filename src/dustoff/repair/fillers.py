"""Classical fillers behind one interface, ``fill(image, mask) -> image``.

Each works on crops around the damaged regions (see :mod:`dustoff.repair.regions`), so the cost
follows the amount of damage, not the size of the scan.

References
----------
Telea, "An image inpainting technique based on the fast marching method", J. Graphics Tools 2004.
Bertalmio, Bertozzi, Sapiro, "Navier-Stokes, fluid dynamics, and image and video inpainting",
CVPR 2001.
Damelin, Hoang, "On surface completion and image inpainting by biharmonic functions", 2018.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, NamedTuple

import cv2
import numpy as np

from ..io.scan import to_float
from ..registry import fillers
from .regions import Region, find_regions


def check_image_and_mask(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Validate a (H, W, C) float image and (H, W) mask; return the mask as bool (>= 0.5)."""
    if image.ndim != 3:
        raise ValueError(f"image must have shape (H, W, C), got {image.shape}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"image and mask must have the same height and width, got "
                         f"{image.shape} and {mask.shape}")
    return mask >= 0.5 if mask.dtype != bool else mask


class RegionFill(NamedTuple):
    """One region's repair, as :meth:`CropFiller.fills` yields it.

    crop : float32 (h, w, C) in [0, 1], the image under ``region``'s crop before filling;
    mask : bool (h, w), all damage in the crop; own : bool (h, w), the region's own pixels;
    filled : float32 (h, w, C) in [0, 1], meaningful inside ``own``.
    """

    region: Region
    crop: np.ndarray
    mask: np.ndarray
    own: np.ndarray
    filled: np.ndarray


class CropFiller:
    """Base of the fillers: fills each region in its own crop.

    Subclasses implement ``_fill_crop(crop, crop_mask) -> crop`` on float32 (h, w, C) crops,
    or ``_fill_region(crop, crop_mask, own)`` to choose per region (``own``: the region's own
    pixels in the crop), or ``_region_filler`` to prepare work for many regions at once.
    """

    def fill(self, image: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Fill the masked pixels of ``image``.

        Parameters
        ----------
        image : ndarray, float32, shape (H, W, C), values in [0, 1]
        mask : ndarray, shape (H, W); bool, or float in [0, 1] where >= 0.5 means damaged

        Returns
        -------
        ndarray, float32, shape (H, W, C): ``image`` with masked pixels replaced; others unchanged.
        """
        binary = check_image_and_mask(image, mask)
        out = image.astype(np.float32, copy=True)
        labels, regions = find_regions(binary)
        for fill in self.fills(image, binary, labels, regions):
            out[fill.region.rows, fill.region.cols][fill.own] = fill.filled[fill.own]
        return np.clip(out, 0.0, 1.0)

    def fills(self, image: np.ndarray, mask: np.ndarray, labels: np.ndarray,
              regions: list[Region]) -> Iterator[RegionFill]:
        """Fill each region of ``regions`` (from :func:`find_regions` on ``mask``), in order.

        image : native samples (H, W, C), uint8, uint16 or float32 in [0, 1]; mask : bool (H, W);
        labels : int32 (H, W), as returned with ``regions``. Yields one :class:`RegionFill`
        per region, filled by :meth:`_region_filler`'s function.
        """
        fill = self._region_filler(image, mask, labels, regions)
        for index, region in enumerate(regions):
            crop = to_float(image[region.rows, region.cols])
            crop_mask = mask[region.rows, region.cols]
            own = labels[region.rows, region.cols] == region.label
            filled = np.clip(fill(index, crop, crop_mask, own), 0.0, 1.0)
            yield RegionFill(region, crop, crop_mask, own, filled)

    def _region_filler(self, image, mask, labels, regions):
        """``fill(index, crop, crop_mask, own) -> filled crop`` for :meth:`fills`, given what
        it is about to fill (a subclass may prepare work for many regions here)."""
        return lambda index, crop, crop_mask, own: self._fill_region(crop, crop_mask, own)

    def fill_region(self, crop: np.ndarray, mask: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Fill one region of a crop in a single call: what :meth:`fill` does for each region,
        without finding the regions again (the caller already has them).

        crop : float32 (h, w, C) in [0, 1]; mask : bool (h, w), all damage in the crop (other
        regions' pixels are unknown too, not context); own : bool (h, w), the region to fill.
        Returns float32 (h, w, C) in [0, 1], meaningful inside ``own``.
        """
        return np.clip(self._fill_region(crop, mask, own), 0.0, 1.0)

    def _fill_region(self, crop: np.ndarray, mask: np.ndarray, own: np.ndarray) -> np.ndarray:
        return self._fill_crop(crop, mask)

    def _fill_crop(self, crop: np.ndarray, mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@dataclass
class OpenCVFiller(CropFiller):
    """OpenCV's Telea (fast marching) or Navier-Stokes in-painting, per channel in float32."""

    flag: int = cv2.INPAINT_TELEA
    radius: float = 3.0

    def _fill_crop(self, crop, mask):
        # uint16 rather than float32: OpenCV 5.0's Telea returns garbage on float32 planes
        # (tests/repair/test_fillers.py checks this), and 16 bits are exact for 16-bit scans.
        mask8 = mask.view(np.uint8)
        samples = np.rint(np.clip(crop, 0.0, 1.0) * 65535.0).astype(np.uint16)
        planes = [cv2.inpaint(np.ascontiguousarray(samples[:, :, c]), mask8, self.radius,
                              self.flag) for c in range(crop.shape[2])]
        return np.stack(planes, axis=2).astype(np.float32) * np.float32(1.0 / 65535.0)


class BiharmonicFiller(CropFiller):
    """scikit-image's biharmonic in-painting: smooth, slower, good for wide regions."""

    def _fill_crop(self, crop, mask):
        from skimage.restoration import inpaint_biharmonic  # imported when used: it is slow

        return inpaint_biharmonic(crop, mask, channel_axis=-1).astype(np.float32)


@fillers.register("telea", "OpenCV fast-marching in-painting (Telea 2004); fast, the default")
def _make_telea(radius: float = 3.0) -> OpenCVFiller:
    return OpenCVFiller(cv2.INPAINT_TELEA, radius)


@fillers.register("ns", "OpenCV Navier-Stokes in-painting (Bertalmio et al. 2001)")
def _make_ns(radius: float = 3.0) -> OpenCVFiller:
    return OpenCVFiller(cv2.INPAINT_NS, radius)


@fillers.register("biharmonic", "scikit-image biharmonic in-painting; smooth, slower")
def _make_biharmonic() -> BiharmonicFiller:
    return BiharmonicFiller()
