"""Degradations without a mask, after Wan et al. (CVPR 2020): noise, grain, blur, downscaling,
JPEG, fading, colour casts, sepia and greyscale. Each fires with its own probability; the order
is random within two stages: what ages the print (before structured damage) and what the scan or
copy adds (after it)."""
from __future__ import annotations

import cv2
import numpy as np

from .config import Unstructured


def _fade(img, rng, cfg):
    amount = rng.uniform(*cfg.fade_amount)
    return img * (1 - amount) + amount * np.float32(0.85)


def _cast(img, rng, cfg):
    shift = rng.uniform(-1, 1, 3).astype(np.float32) * rng.uniform(*cfg.cast_strength)
    return img + shift[: img.shape[2]]


def _sepia(img, rng, cfg):
    if img.shape[2] != 3:
        return img
    luma = img @ np.float32([0.299, 0.587, 0.114])
    return luma[:, :, None] * np.float32([1.07, 0.95, 0.74])


def _greyscale(img, rng, cfg):
    if img.shape[2] != 3:
        return img
    luma = img @ np.float32([0.299, 0.587, 0.114])
    return np.repeat(luma[:, :, None], 3, axis=2)


def _blur(img, rng, cfg):
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(*cfg.blur_sigma)).reshape(img.shape)


def _noise(img, rng, cfg):
    return img + rng.normal(0, rng.uniform(*cfg.noise_sigma), img.shape).astype(np.float32)


def _speckle(img, rng, cfg):
    return img * (1 + rng.normal(0, rng.uniform(*cfg.noise_sigma), img.shape)).astype(np.float32)


def _salt_pepper(img, rng, cfg):
    out = img.copy()
    hit = rng.random(img.shape[:2]) < rng.uniform(*cfg.salt_pepper_amount)
    out[hit] = (rng.random(int(hit.sum())) > 0.5).astype(np.float32)[:, None]
    return out


def _grain(img, rng, cfg):
    grain = rng.normal(0, 1, img.shape[:2]).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (0, 0), 0.7)
    grain *= rng.uniform(*cfg.grain_sigma) / (grain.std() + 1e-6)
    return img + grain[:, :, None] * (0.5 + img)  # more grain in the light parts of a positive


def _downscale(img, rng, cfg):
    h, w = img.shape[:2]
    f = rng.uniform(*cfg.downscale_factor)
    small = cv2.resize(img, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).reshape(img.shape)


def _jpeg(img, rng, cfg):
    quality = int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1))
    samples = np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", samples[:, :, ::-1] if img.shape[2] == 3 else samples,
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    decoded = decoded[:, :, ::-1] if img.shape[2] == 3 else decoded[:, :, None]
    return decoded.astype(np.float32) / 255.0


AGEING = {"fade": _fade, "colour_cast": _cast, "sepia": _sepia, "greyscale": _greyscale,
          "blur": _blur}
CAPTURE = {"gaussian_noise": _noise, "speckle_noise": _speckle, "salt_pepper": _salt_pepper,
           "grain": _grain, "downscale": _downscale, "jpeg": _jpeg}


def degrade(image: np.ndarray, cfg: Unstructured, rng: np.random.Generator, *,
            stage: str) -> tuple[np.ndarray, list[str]]:
    """Apply one stage ("ageing" or "capture") of unstructured degradation.

    image : float32 (H, W, C) in [0, 1]. Returns the degraded image (same shape, clipped) and the
    names of the degradations applied, in order.
    """
    table = AGEING if stage == "ageing" else CAPTURE
    names = [n for n in table if rng.random() < getattr(cfg, n)]
    rng.shuffle(names)
    out = image
    for name in names:
        out = np.clip(table[name](out, rng, cfg), 0, 1).astype(np.float32)
    return out, names
