"""Synthetic dust specks and hairs with exact ground-truth masks (the simplest damage model;
used for the bundled sample, the detector's recall check and the large-scan benchmark).

Specks are irregular blobs (a few overlapping ellipses) whose diameters follow a gamma
distribution, with soft edges and varying opacity; hairs are thin random curves. Dark damage
pulls pixels toward black (opaque dirt in front of a slide), light damage toward white (dust on
a negative, printed positive).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class SpeckConfig:
    """Parameters of :func:`add_specks`.

    density : specks per megapixel.
    size_shape, size_scale : gamma distribution of speck diameters in pixels.
    max_size : diameters are clipped to this.
    opacity : (low, high) uniform range of peak opacity.
    hairs_per_mp : thin curves per megapixel; hair_length : (low, high) in pixels.
    light_fraction : share of damage that is light instead of dark.
    """

    density: float = 150.0
    size_shape: float = 2.0
    size_scale: float = 1.6
    max_size: float = 14.0
    opacity: tuple[float, float] = (0.6, 1.0)
    hairs_per_mp: float = 3.0
    hair_length: tuple[int, int] = (30, 160)
    light_fraction: float = 0.0


def add_specks(image: np.ndarray, config: SpeckConfig = SpeckConfig(), *,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Damage a clean image with specks and hairs.

    Parameters
    ----------
    image : ndarray, float32, shape (H, W, C), values in [0, 1]
    config : SpeckConfig
    seed : int

    Returns
    -------
    damaged : ndarray, float32, shape (H, W, C), values in [0, 1]
    mask : ndarray, float32, shape (H, W), values in [0, 1]: the opacity of damage per pixel;
        ``damaged == image`` wherever ``mask == 0``.
    """
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    megapixels = h * w / 1e6
    dark = np.zeros((h, w), np.float32)
    light = np.zeros((h, w), np.float32)
    for _ in range(rng.poisson(config.density * megapixels)):
        target = light if rng.random() < config.light_fraction else dark
        diameter = min(config.max_size, 1.0 + rng.gamma(config.size_shape, config.size_scale))
        _draw_speck(target, rng, diameter, rng.uniform(*config.opacity))
    for _ in range(rng.poisson(config.hairs_per_mp * megapixels)):
        target = light if rng.random() < config.light_fraction else dark
        _draw_hair(target, rng, rng.integers(*config.hair_length), rng.uniform(*config.opacity))
    damaged = image * (1.0 - dark)[:, :, None]
    damaged = damaged + (1.0 - damaged) * light[:, :, None]
    return damaged.astype(np.float32), np.maximum(dark, light)


def _draw_speck(canvas: np.ndarray, rng: np.random.Generator, diameter: float,
                opacity: float) -> None:
    h, w = canvas.shape
    pad = int(diameter) + 4
    cy, cx = rng.integers(0, h), rng.integers(0, w)
    size = 2 * pad + 1
    blob = np.zeros((size, size), np.float32)
    for _ in range(rng.integers(1, 4)):
        axes = (max(1, int(round(diameter / 2 * rng.uniform(0.5, 1.0)))),
                max(1, int(round(diameter / 2 * rng.uniform(0.3, 1.0)))))
        centre = (pad + int(rng.integers(-diameter // 4 - 1, diameter // 4 + 2)),
                  pad + int(rng.integers(-diameter // 4 - 1, diameter // 4 + 2)))
        cv2.ellipse(blob, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
    blob = cv2.GaussianBlur(blob, (0, 0), rng.uniform(0.3, 0.8)) * opacity
    _stamp(canvas, blob, cy - pad, cx - pad)


def _draw_hair(canvas: np.ndarray, rng: np.random.Generator, length: int,
               opacity: float) -> None:
    h, w = canvas.shape
    steps = max(4, length // 6)
    angle = rng.uniform(0, 2 * np.pi)
    turn = rng.normal(0, 0.25, steps).cumsum()
    dx, dy = np.cos(angle + turn) * 6, np.sin(angle + turn) * 6
    xs = rng.integers(0, w) + np.concatenate([[0], dx.cumsum()])
    ys = rng.integers(0, h) + np.concatenate([[0], dy.cumsum()])
    x0, y0 = int(xs.min()) - 4, int(ys.min()) - 4
    layer = np.zeros((int(ys.max()) - y0 + 5, int(xs.max()) - x0 + 5), np.float32)
    points = np.stack([xs - x0, ys - y0], axis=1).round().astype(np.int32)
    cv2.polylines(layer, [points], False, 1.0, int(rng.integers(1, 3)), cv2.LINE_AA)
    _stamp(canvas, layer * opacity, y0, x0)


def _stamp(canvas: np.ndarray, patch: np.ndarray, y0: int, x0: int) -> None:
    """Max-composite ``patch`` onto ``canvas`` at (y0, x0), clipped to the canvas."""
    h, w = canvas.shape
    ys, xs = max(0, y0), max(0, x0)
    ye, xe = min(h, y0 + patch.shape[0]), min(w, x0 + patch.shape[1])
    if ye <= ys or xe <= xs:
        return
    view = canvas[ys:ye, xs:xe]
    np.maximum(view, patch[ys - y0:ye - y0, xs - x0:xe - x0], out=view)
