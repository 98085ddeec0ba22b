"""Named whole-image restorers: what ``dustoff bench`` compares, one call each.

A restorer is called on a float32 image (H, W, C) in [0, 1] and returns a
:class:`Restoration`: the restored image (same shape and dtype) and the damage mask it acted on
(float32 (H, W) in [0, 1]), so that detection can be scored for every method the same way.
Learned models register here too (``@restorers.register(...)``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .api import restore
from .registry import Registry, fillers, networks
from .repair.baselines import dust_and_scratches, median_filter
from .whole_image import restore_samples

restorers = Registry("method")


@dataclass
class Restoration:
    """image : float32 (H, W, C) in [0, 1]; mask : float32 (H, W) in [0, 1], 1 = treated."""

    image: np.ndarray
    mask: np.ndarray


def changed_pixels(before: np.ndarray, after: np.ndarray, *, tolerance: float = 0.5 / 255):
    """float32 (H, W): 1 where any channel moved by more than ``tolerance``."""
    diff = np.abs(after.astype(np.float32) - before.astype(np.float32))
    return (diff.max(axis=2) > tolerance).astype(np.float32)


@restorers.register("identity", "do nothing (the damaged input itself)")
class Identity:
    def __call__(self, image: np.ndarray) -> Restoration:
        return Restoration(image.copy(), np.zeros(image.shape[:2], np.float32))


@restorers.register("median", "3x3 median filter over the whole image")
class Median:
    def __init__(self, radius: int = 1):
        self.radius = radius

    def __call__(self, image: np.ndarray) -> Restoration:
        out = median_filter(image, radius=self.radius)
        return Restoration(out, changed_pixels(image, out))


@restorers.register("ds", 'Photoshop-like "Dust & Scratches": 5x5 median where a pixel '
                          "differs from it by more than 0.25")
class DustAndScratches:
    """Radius 2 and threshold 0.25 were picked on the development validation split (512 px,
    benchmarks/tune_dust_and_scratches.py): among settings that keep clean-input SSIM above
    0.995, within 0.01 dB of the best damaged-input PSNR (radius 3, threshold 0.4) and with a
    higher damaged-input SSIM than that setting."""

    def __init__(self, radius: int = 2, threshold: float = 0.25):
        self.radius, self.threshold = radius, threshold

    def __call__(self, image: np.ndarray) -> Restoration:
        out, replaced = dust_and_scratches(image, radius=self.radius, threshold=self.threshold)
        return Restoration(out, replaced.astype(np.float32))


class Pipeline:
    """Detect-then-fill: ``detector`` finds the damage, ``filler`` repairs only there (with
    grain); every other pixel is the input's."""

    def __init__(self, detector: str, filler: str, **options):
        self.detector, self.filler, self.options = detector, filler, options

    def __call__(self, image: np.ndarray) -> Restoration:
        out, mask = restore(image, method=self.filler, detector=self.detector,
                            return_mask=True, **self.options)
        return Restoration(out.astype(np.float32), mask)


@restorers.register("dustoff", "the default pipeline: learned detector + Telea with grain")
def _make_default(**options) -> Pipeline:
    return Pipeline("learned", "telea", **options)


@restorers.register("dustoff-fast", "the default pipeline with the narrower, faster detector "
                                    "(--detector learned-fast)")
def _make_fast(**options) -> Pipeline:
    return Pipeline("learned-fast", "telea", **options)


@restorers.register("dustoff-x4", "the default pipeline, detector averaged over 4 views "
                                  "(--passes 4)")
def _make_four_passes(**options) -> Pipeline:
    return Pipeline("learned", "telea", passes=4, **options)


@restorers.register("dustoff-x8", "the default pipeline, detector averaged over 8 views "
                                  "(--passes 8)")
def _make_eight_passes(**options) -> Pipeline:
    return Pipeline("learned", "telea", passes=8, **options)


@restorers.register("dustoff-inpainter", "learned detector + learned in-painting filler "
                                         "(experimental)")
def _make_learned_filler(**options) -> Pipeline:
    return Pipeline("learned", "learned", **options)


class WholeImage:
    """A whole-image network (:mod:`dustoff.whole_image`) as a benchmark method."""

    def __init__(self, name: str = "network", weights: str | None = None):
        networks.create(name, weights=weights)  # a missing or wrong file fails here
        self.name, self.weights = name, weights

    def __call__(self, image: np.ndarray) -> Restoration:
        out, mask = restore_samples(image, self.name, weights=self.weights)
        return Restoration(out, mask)


@restorers.register("unet-ivanova", "Ivanova et al.'s U-Net, shipped variant (MSE, reduced "
                                    "CPU schedule; end to end)")
def _make_unet_ivanova() -> WholeImage:
    return WholeImage("unet-ivanova")


def register_model_file(label: str, path: str) -> None:
    """Make the whole-image model file ``path`` a benchmark method named ``label``."""
    restorers.register(label, f"whole-image network from {path}")(
        lambda: WholeImage("network", weights=path))


def _register_classical_pipelines() -> None:
    for entry in fillers.entries():
        if entry.name != "learned":
            restorers.register(entry.name, f"classical detector + {entry.description}")(
                lambda name=entry.name, **options: Pipeline("classical", name, **options))


_register_classical_pipelines()
