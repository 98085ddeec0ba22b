"""Test images: small, made on the fly, with known damage."""
from __future__ import annotations

import numpy as np


def textured(h: int = 96, w: int = 128, channels: int = 3, seed: int = 0) -> np.ndarray:
    """A smooth gradient with mild film-like grain, float32 (h, w, channels) in [0, 1]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.35 + 0.3 * (xx / w) + 0.1 * np.sin(yy / 9.0)
    tint = np.array([1.0, 0.9, 0.8][:channels], np.float32)
    grain = rng.normal(0, 0.012, (h, w, 1)).astype(np.float32)
    return np.clip(base[:, :, None] * tint + grain, 0, 1).astype(np.float32)


def with_specks(image: np.ndarray, spots=((30, 40), (60, 90), (20, 100))):
    """Dark 3x3 specks at the given centres; returns (damaged, bool mask)."""
    damaged = image.copy()
    mask = np.zeros(image.shape[:2], bool)
    for y, x in spots:
        damaged[y - 1:y + 2, x - 1:x + 2] = 0.03
        mask[y - 1:y + 2, x - 1:x + 2] = True
    return damaged, mask


def sample_photo(side: int = 256) -> np.ndarray:
    """The bundled sample photograph (samples/dusty_slide.png: a real photograph with synthetic
    dust), area-resized so its shorter side is ``side``: float32 (H, W, 3) in [0, 1]."""
    import cv2
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "samples" / "dusty_slide.png"
    image = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    scale = side / min(image.shape[:2])
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
