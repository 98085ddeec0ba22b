"""Synthesise damage on a clean image: ``synthesize(image, config, seed) -> DamageResult``.

Structured damage is drawn into opacity layers, one per kind of colour it pulls toward (black,
tinted dirt, white, exposed paint ground, a hole's backing), and composited as
``out = out * (1 - a) + colour * a``; so the damaged image differs from the clean one exactly
where the soft mask is non-zero. Unstructured degradations (config.unstructured) touch every pixel
and are recorded separately.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import overlay as _overlay
from . import shapes
from .config import LABEL, DamageConfig
from .unstructured import degrade

_DARK, _TINT, _LIGHT = (0.0, 0.0, 0.0), (0.24, 0.17, 0.10), (0.97, 0.97, 0.95)


@dataclass
class DamageResult:
    """damaged : float32 (H, W, C) in [0, 1]; mask : float32 (H, W), the damage opacity in
    [0, 1]; labels : uint8 (H, W), class codes of :data:`dustoff.damage.config.CLASSES`;
    params : what was drawn (counts per type, degradations applied, seed)."""

    damaged: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    params: dict = field(default_factory=dict)


class _Layers:
    """Opacity layers by target colour, plus the class labels."""

    def __init__(self, shape, hole_colour):
        self.shape = shape
        self.layers = {}
        self.colours = {"dark": _DARK, "tint": _TINT, "light": _LIGHT, "hole": hole_colour}
        self.labels = np.zeros(shape, np.uint8)

    def layer(self, name: str, colour=None) -> np.ndarray:
        if name not in self.layers:
            self.layers[name] = np.zeros(self.shape, np.float32)
            if colour is not None:
                self.colours[name] = colour
        return self.layers[name]

    def stamp(self, name: str, patch: shapes.Patch, label: str) -> None:
        shapes.stamp(self.layer(name), *patch, labels=self.labels, label=LABEL[label])


def _scaled_count(rng, per_mp: float, megapixels: float, amount: float) -> int:
    return int(rng.poisson(per_mp * megapixels * amount))


def synthesize(image: np.ndarray, config: DamageConfig, *, seed: int = 0,
               scale: float | None = None) -> DamageResult:
    """Damage a clean image.

    Parameters
    ----------
    image : ndarray, float32, shape (H, W, C), C in {1, 3}, values in [0, 1]
    config : DamageConfig (see :func:`dustoff.damage.config.preset`)
    seed : int
        Same image, config and seed give the same bytes.
    scale : float, optional
        Pixels of this image per pixel of a 1-megapixel frame; default ``sqrt(H * W / 1e6)``.
        A crop of a large photo passes the photo's scale so damage keeps its physical size.
    """
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    scale = max(0.35, float(np.sqrt(h * w / 1e6)) if scale is None else scale)
    # Counts belong to the film, not the pixel grid: a whole frame carries ``per_mp`` items at
    # any resolution, and a crop the share of the frame it covers.
    megapixels = h * w / (scale * scale * 1e6)
    amount = config.amount
    params = {"seed": seed, "preset": config.name, "level": config.level, "counts": {}}

    clean = image.astype(np.float32)
    aged, params["ageing"] = degrade(clean, config.unstructured, rng, stage="ageing")
    layers = _Layers((h, w), _LIGHT if config.polarity != "dark" else _DARK)

    def side() -> str:
        polarity = config.polarity
        if polarity == "mixed":
            polarity = "dark" if rng.random() < 0.5 else "light"
        if polarity == "dark" and rng.random() < config.tinted:
            return "tint"
        return polarity

    s = config.specks
    n = _scaled_count(rng, s.per_mp, megapixels, amount)
    if n:
        density = shapes.density_field((h, w), rng, clustering=s.clustering)
        for y, x in shapes.sample_positions(density, n, rng):
            diameter = min(s.max_size, 0.8 + rng.gamma(s.size_shape, s.size_scale)) * scale
            patch = shapes.speck(rng, max(0.8, diameter), rng.uniform(*s.opacity),
                                 rng.uniform(*s.softness) * min(1.0, scale))
            layers.stamp(side(), shapes.centred(patch, (y, x)), "speck")
    params["counts"]["specks"] = n

    hc = config.hairs
    n = _scaled_count(rng, hc.per_mp, megapixels, amount)
    for _ in range(n):
        start = (rng.uniform(0, h), rng.uniform(0, w))
        layers.stamp(side(), shapes.hair(start, rng, length=rng.uniform(*hc.length) * scale,
                                         width=max(1.0, rng.uniform(*hc.width) * min(1, scale)),
                                         curl=hc.curl, opacity=rng.uniform(*hc.opacity)), "hair")
    params["counts"]["hairs"] = n

    sc = config.scratches
    n = _scaled_count(rng, sc.per_mp, megapixels, amount)
    diagonal = float(np.hypot(h, w))
    for _ in range(n):
        vertical = rng.random() < sc.vertical
        length = rng.uniform(*sc.length) * (h if vertical else diagonal)
        patch = shapes.scratch((h, w), rng, vertical=vertical, length=length,
                               width=max(1.0, rng.uniform(*sc.width) * min(1, scale)),
                               curvature=sc.curvature,
                               gaps=sc.gaps, opacity=rng.uniform(*sc.opacity))
        # Scratches remove emulsion: light on a positive print or slide, dark on a negative.
        layers.stamp("light" if config.polarity != "light" or rng.random() < 0.3 else "dark",
                     patch, "scratch")
    params["counts"]["scratches"] = n

    bc = config.blotches
    n = _scaled_count(rng, bc.per_mp, megapixels, amount)
    for _ in range(n):
        patch = shapes.blotch(rng, rng.uniform(*bc.size) * scale, rng.uniform(*bc.opacity))
        centre = (rng.uniform(0, h), rng.uniform(0, w))
        layers.stamp("tint" if rng.random() < 0.7 else side(), shapes.centred(patch, centre),
                     "blotch")
    params["counts"]["blotches"] = n

    n = _scaled_count(rng, config.holes.per_mp, megapixels, amount)
    for _ in range(n):
        patch = shapes.hole(rng, rng.uniform(*config.holes.size) * scale)
        layers.stamp("hole", shapes.centred(patch, (rng.uniform(0, h), rng.uniform(0, w))),
                     "hole")
    params["counts"]["holes"] = n

    cc = config.cracks
    n = _scaled_count(rng, cc.per_mp, megapixels, amount)
    for _ in range(n):
        start = (rng.uniform(0, h), rng.uniform(0, w))
        for patch in shapes.crack(start, rng, length=rng.uniform(*cc.length) * scale,
                                  branching=cc.branching,
                                  width=max(1.0, rng.uniform(*cc.width) * min(1, scale)),
                                  opacity=rng.uniform(*cc.opacity)):
            layers.stamp("dark" if config.polarity == "dark" else "light", patch, "crack")
    params["counts"]["cracks"] = n

    pc = config.paint_loss
    n = _scaled_count(rng, pc.per_mp, megapixels, amount)
    for _ in range(n):
        patch = shapes.paint_flake(rng, rng.uniform(*pc.size) * scale)
        layers.layer("paint", pc.colour)
        layers.stamp("paint", shapes.centred(patch, (rng.uniform(0, h), rng.uniform(0, w))),
                     "paint_loss")
    params["counts"]["paint_loss"] = n

    oc = config.overlay
    applied = 0
    if oc.count and rng.random() < oc.probability * min(1.0, amount):
        textures = (_overlay.load_folder(oc.folder) if oc.folder
                    else _overlay.procedural_library())
        for _ in range(oc.count):
            opacity = _overlay.overlay_opacity((h, w), rng, textures, warp=oc.warp,
                                               strength=rng.uniform(*oc.strength))
            target = "light" if config.polarity == "light" else "dark"
            layers.stamp(target, (opacity, 0, 0), "overlay")
            applied += 1
    params["counts"]["overlays"] = applied

    damaged = aged.copy()
    mask = np.zeros((h, w), np.float32)
    for name, alpha in layers.layers.items():
        colour = np.asarray(layers.colours[name], np.float32)
        colour = colour[: damaged.shape[2]] if damaged.shape[2] == 3 else colour.mean(keepdims=True)
        a = alpha[:, :, None]
        damaged = damaged * (1.0 - a) + colour * a
        mask = np.maximum(mask, alpha)
    mask = np.where(mask >= 1.0 / 255, mask, 0.0).astype(np.float32)  # visible in 8 bits
    damaged = np.where(mask[:, :, None] > 0, damaged, aged)
    layers.labels[mask == 0] = 0
    damaged, params["capture"] = degrade(damaged.astype(np.float32), config.unstructured, rng,
                                         stage="capture")
    return DamageResult(np.clip(damaged, 0, 1).astype(np.float32), mask, layers.labels, params)
