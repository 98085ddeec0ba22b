"""Uniformly scattered dust specks and hairs with exact ground-truth masks: the simplest damage
model, for the bundled sample and the large-scan benchmark (the full model with presets is
:func:`dustoff.damage.synthesize`).

Specks are irregular blobs (a few overlapping ellipses) whose diameters follow a gamma
distribution, with soft edges and varying opacity; hairs are thin random curves. Dark damage
pulls pixels toward black (opaque dirt in front of a slide), light damage toward white (dust on
a negative, printed positive).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import shapes


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
        patch = shapes.speck(rng, diameter, rng.uniform(*config.opacity), rng.uniform(0.3, 0.8))
        shapes.stamp(target, *shapes.centred(patch, (rng.integers(0, h), rng.integers(0, w))))
    for _ in range(rng.poisson(config.hairs_per_mp * megapixels)):
        target = light if rng.random() < config.light_fraction else dark
        start = (rng.uniform(0, h), rng.uniform(0, w))
        shapes.stamp(target, *shapes.hair(start, rng, length=rng.uniform(*config.hair_length),
                                          width=rng.uniform(1, 2.5), curl=0.25,
                                          opacity=rng.uniform(*config.opacity)))
    damaged = image * (1.0 - dark)[:, :, None]
    damaged = damaged + (1.0 - damaged) * light[:, :, None]
    return damaged.astype(np.float32), np.maximum(dark, light)
