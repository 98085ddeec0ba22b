"""Whole-image baselines that every learned method must beat: a median filter and a
Photoshop-like "Dust & Scratches" (median with a threshold).

Images are float32 (H, W, C) in [0, 1]; results have the same shape and dtype.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage


def median_filter(image: np.ndarray, *, radius: int = 1) -> np.ndarray:
    """Median over a (2 radius + 1)^2 square, per channel, edges mirrored."""
    if radius < 1:
        raise ValueError(f"radius must be at least 1, got {radius}")
    size = (2 * radius + 1, 2 * radius + 1) + (1,) * (image.ndim - 2)
    return ndimage.median_filter(image, size=size, mode="mirror").astype(np.float32)


def dust_and_scratches(image: np.ndarray, *, radius: int = 2,
                       threshold: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Replace pixels that differ from their neighbourhood median by more than ``threshold``.

    Like the Photoshop filter of that name: ``radius`` sets the median window, ``threshold``
    (in [0, 1]; Photoshop's levels / 255) spares pixels close to the median, so texture below
    the threshold survives. A pixel is replaced in all channels when any channel differs.

    Returns
    -------
    restored : float32, same shape as ``image``
    replaced : bool (H, W), the pixels taken from the median
    """
    median = median_filter(image, radius=radius)
    diff = np.abs(image.astype(np.float32) - median)
    replaced = (diff.max(axis=2) if diff.ndim == 3 else diff) > threshold
    out = image.astype(np.float32, copy=True)
    out[replaced] = median[replaced]
    return out, replaced
