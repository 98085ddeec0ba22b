"""The dust-overlay recipe of Ivanova et al. (VISAPP 2022, section 3.2): pick a dust overlay,
crop a random square patch, warp and invert it, apply it; twice per image, drawn anew for every
target size.

Scanned overlay textures (light dust on black) are not available offline, so a library of them
is generated procedurally from the same shape renderers; a folder of real overlays can be given.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from . import shapes

OVERLAY_SIZE = 768


@lru_cache(maxsize=4)
def procedural_library(count: int = 6, seed: int = 1234) -> tuple[np.ndarray, ...]:
    """``count`` overlay textures, float32 (768, 768) in [0, 1], light dust on black."""
    return tuple(_procedural_overlay(np.random.default_rng([seed, i])) for i in range(count))


def _procedural_overlay(rng: np.random.Generator) -> np.ndarray:
    size = OVERLAY_SIZE
    tex = np.zeros((size, size), np.float32)
    density = shapes.density_field((size, size), rng, clustering=rng.uniform(0.2, 0.8))
    for y, x in shapes.sample_positions(density, int(rng.integers(150, 600)), rng):
        diameter = min(30.0, 0.6 + rng.gamma(1.4, 2.0))
        shapes.stamp(tex, *shapes.centred(
            shapes.speck(rng, diameter, rng.uniform(0.4, 1.0), rng.uniform(0.3, 1.0)), (y, x)))
    for _ in range(int(rng.integers(5, 25))):
        start = (rng.uniform(0, size), rng.uniform(0, size))
        shapes.stamp(tex, *shapes.hair(start, rng, length=rng.uniform(30, 250),
                                       width=rng.uniform(1, 2.5), curl=0.3,
                                       opacity=rng.uniform(0.3, 0.9)))
    for _ in range(int(rng.integers(0, 6))):
        shapes.stamp(tex, *shapes.scratch((size, size), rng, vertical=rng.random() < 0.3,
                                          length=rng.uniform(100, size), width=1.0,
                                          curvature=0.1, gaps=0.3,
                                          opacity=rng.uniform(0.2, 0.7)))
    return tex


def load_folder(folder: str | Path) -> tuple[np.ndarray, ...]:
    """Overlay textures from a folder of images (any bit depth; luma used). Light = dust."""
    from ..detect import luminance
    from ..io import read_scan

    paths = sorted(p for p in Path(folder).iterdir()
                   if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif", ".tiff"))
    if not paths:
        raise ValueError(f"{folder}: no overlay images found")
    textures = []
    for path in paths:
        luma = luminance(read_scan(path).color_float())
        if luma.mean() > 0.5:  # dark dust on white: bring it to the light-on-dark convention
            luma = 1.0 - luma
        textures.append(luma)
    return tuple(textures)


def overlay_opacity(shape: tuple[int, int], rng: np.random.Generator, textures,
                    *, warp: float, strength: float) -> np.ndarray:
    """One application of the recipe: an opacity layer (H, W) float32 in [0, 1]."""
    tex = textures[int(rng.integers(len(textures)))]
    side = int(min(tex.shape) * rng.uniform(0.35, 1.0))
    y0 = int(rng.integers(0, tex.shape[0] - side + 1))
    x0 = int(rng.integers(0, tex.shape[1] - side + 1))
    patch = tex[y0:y0 + side, x0:x0 + side]
    corners = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    moved = corners + rng.uniform(-warp, warp, (4, 2)).astype(np.float32) * side / 2
    matrix = cv2.getPerspectiveTransform(moved, corners)
    warped = cv2.warpPerspective(patch, matrix, (side, side), borderMode=cv2.BORDER_REFLECT)
    h, w = shape
    interpolation = cv2.INTER_AREA if side > max(h, w) else cv2.INTER_LINEAR
    # "Invert and apply": the light-on-black texture becomes dark dust multiplied into the image,
    # which is an opacity of the texture's value.
    return np.clip(cv2.resize(warped, (w, h), interpolation=interpolation) * strength, 0, 1)
