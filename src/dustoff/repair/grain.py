"""Film grain for filled regions, so repairs do not show as smooth patches.

In-painting reconstructs the low frequencies; the grain is borrowed from the image itself: the
high-pass residual of a clean patch of the same shape right next to the region is added on top of
the fill. Borrowing real grain keeps its size, its colour correlation and its dependence on
exposure, which synthetic noise would only approximate. Where no clean patch fits (a region as big
as its crop), Gaussian noise scaled to the surrounding grain's standard deviation is used instead.
The choice of patch is drawn from a seeded generator, so results are deterministic.
"""
from __future__ import annotations

import cv2
import numpy as np

_DIRECTIONS = np.array([(0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1)])


def high_pass(image: np.ndarray, sigma: float = 1.2) -> np.ndarray:
    """Grain component of a float image (h, w, C): the image minus its Gaussian blur."""
    blurred = cv2.GaussianBlur(image, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    return image - blurred.reshape(image.shape)


def add_grain(filled: np.ndarray, original: np.ndarray, target: np.ndarray,
              damaged: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Add borrowed grain to the ``target`` pixels of ``filled``.

    Parameters
    ----------
    filled : ndarray, float32, shape (h, w, C), values in [0, 1]
        In-painted crop.
    original : ndarray, float32, shape (h, w, C)
        The same crop before filling (grain donor).
    target : ndarray, bool, shape (h, w)
        Pixels that receive grain (the filled region).
    damaged : ndarray, bool, shape (h, w)
        All damaged pixels in the crop: never used as donors.
    rng : numpy Generator

    Returns
    -------
    ndarray, float32, shape (h, w, C), clipped to [0, 1].
    """
    ys, xs = np.nonzero(target)
    if ys.size == 0:
        return filled
    residual = high_pass(original)
    donor_ok = ~cv2.dilate(damaged.view(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    offset = _find_donor_offset(ys, xs, donor_ok, rng)
    out = filled.copy()
    if offset is not None:
        out[ys, xs] += residual[ys + offset[0], xs + offset[1]]
    else:
        out[ys, xs] += _matched_noise(residual, donor_ok, ys.size, rng)
    return np.clip(out, 0.0, 1.0)


def _find_donor_offset(ys, xs, donor_ok, rng, max_shift: int = 64):
    """The nearest shift that moves every target pixel onto clean pixels inside the crop."""
    h, w = donor_ok.shape
    top, bottom, left, right = int(ys.min()), int(ys.max()), int(xs.min()), int(xs.max())
    steps = sorted(set(range(3, max_shift, 2)) | {bottom - top + 3, right - left + 3})
    for step in steps:
        if step > max_shift:
            break
        order = rng.permutation(len(_DIRECTIONS))
        for dy, dx in (_DIRECTIONS[order] * step).tolist():
            # the bounding box decides whether the shifted region stays inside the crop
            if top + dy < 0 or left + dx < 0 or bottom + dy >= h or right + dx >= w:
                continue
            if donor_ok[ys + dy, xs + dx].all():
                return dy, dx
    return None


def _matched_noise(residual, donor_ok, count, rng) -> np.ndarray:
    """Gaussian noise (count, C) with the per-channel spread of the clean residual."""
    channels = residual.shape[2]
    clean = residual[donor_ok]
    if clean.shape[0] < 16:
        return np.zeros((count, channels), np.float32)
    spread = 1.4826 * np.median(np.abs(clean - np.median(clean, axis=0)), axis=0)
    return (rng.standard_normal((count, channels)) * spread).astype(np.float32)
