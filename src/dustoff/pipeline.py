"""The main job, wired: read -> detect -> repair -> compose -> write.

Works on the file's native samples: detection runs tile by tile, repair region by region, and
only pixels inside the (grown) damage mask are ever written, so every other sample of the output
is bit-identical to the input.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from tqdm import tqdm

from . import detect as _detect_pkg  # noqa: F401  (registers the detectors)
from . import repair as _repair_pkg  # noqa: F401  (registers the fillers)
from . import whole_image as _whole_image  # noqa: F401  (registers the networks)
from .detect.learned import LEARNED_DETECTORS
from .io.scan import to_float, to_native
from .registry import detectors, fillers, networks
from .repair.grain import add_grain
from .repair.regions import find_regions
from .tiles import iter_tiles, tile_count


@dataclass
class RestoreOptions:
    """Everything that shapes one restoration.

    method : filler name, or a whole-image network (see ``dustoff methods``), which then
    replaces detection and filling; weights : a model file for a whole-image network.
    detector : detector name.
    polarity, sensitivity : passed to the detector (polarity None: the detector's own default,
    "both" for the learned detector, "dark" for the classical one).
    passes : the learned detector's averaging passes (1, 2, 4 or 8; that many times the cost).
    precision : the learned detector's number format: "auto" (bfloat16 on CPUs with bfloat16
    instructions, float32 elsewhere), "float32" or "bfloat16".
    grain : add borrowed film grain to filled regions.
    grow : pixels the damage mask is dilated by before filling (covers soft defect edges).
    feather : width in pixels of the blend ramp at the inner edge of the grown mask.
    tile : tile side for detection; seed : makes grain placement reproducible.
    """

    method: str = "telea"
    detector: str = "learned"
    polarity: str | None = None
    sensitivity: float = 0.5
    passes: int = 1
    precision: str = "auto"
    grain: bool = True
    grow: int = 1
    feather: float = 1.5
    tile: int = 1024
    seed: int = 0
    weights: str | None = None

    @property
    def whole_image(self) -> bool:
        """True when ``method`` names a whole-image network rather than a filler."""
        return self.method in networks.names()


#: Options only the learned detector takes, with their defaults (which any detector accepts).
LEARNED_ONLY = {"passes": 1, "precision": "auto"}


def detector_settings(options: RestoreOptions) -> dict:
    """Keyword arguments for ``detectors.create(options.detector, ...)``; ValueError ("passes
    is for the learned detector, ...") when a learned-only option is set for another one."""
    settings = {"sensitivity": options.sensitivity}
    if options.polarity is not None:
        settings["polarity"] = options.polarity
    for name, default in LEARNED_ONLY.items():
        value = getattr(options, name)
        if value != default:
            if options.detector not in LEARNED_DETECTORS:
                raise ValueError(f"{name} is for the learned detector, not {options.detector!r}")
            settings[name] = value
    return settings


def detect_samples(color: np.ndarray, options: RestoreOptions, *,
                   progress: bool = False) -> np.ndarray:
    """Damage mask of native colour samples (H, W, C), tile by tile -> float32 (H, W) in [0, 1]."""
    detector = detectors.create(options.detector, **detector_settings(options))
    h, w = color.shape[:2]
    mask = np.zeros((h, w), np.float32)
    tiles = iter_tiles(h, w, size=options.tile, overlap=detector.context)
    for tile in tqdm(tiles, total=tile_count(h, w, size=options.tile), desc="detect",
                     unit="tile", disable=not progress, leave=False):
        found = detector(to_float(color[tile.padded]))
        mask[tile.core] = found[tile.inner]
    return mask


def repair_samples(color: np.ndarray, mask: np.ndarray, options: RestoreOptions, *,
                   progress: bool = False) -> np.ndarray:
    """Fill the masked regions of native samples; returns a new array of the same dtype in which
    only pixels inside the grown mask can differ from ``color``.

    Parameters
    ----------
    color : ndarray, shape (H, W, C), uint8, uint16 or float32 in [0, 1]
    mask : ndarray, float32 (H, W) in [0, 1] (>= 0.5 means damaged) or bool
    """
    filler = fillers.create(options.method)
    damaged = mask >= 0.5 if mask.dtype != bool else mask
    if options.grow > 0:
        size = 2 * options.grow + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        damaged = cv2.dilate(damaged.view(np.uint8), kernel).astype(bool)
    out = color.copy()
    labels, regions = find_regions(damaged)
    fills = filler.fills(color, damaged, labels, regions)
    for region, crop, crop_damage, own, filled in tqdm(
            fills, total=len(regions), desc="repair", unit="region", disable=not progress,
            leave=False):
        if options.grain:
            rng = np.random.default_rng([options.seed, region.rows.start, region.cols.start])
            filled = add_grain(filled, crop, own, crop_damage, rng)
        alpha = _feather(own, options.feather)
        blended = crop + alpha[:, :, None] * (filled - crop)
        out[region.rows, region.cols][own] = to_native(blended[own], color.dtype)
    return out


def _feather(region: np.ndarray, width: float) -> np.ndarray:
    """Blend weight (h, w) float32: 0 outside ``region``, ramping to 1 over ``width`` pixels."""
    if width <= 0:
        return region.astype(np.float32)
    dist = cv2.distanceTransform(region.view(np.uint8), cv2.DIST_L2, 3)
    return np.clip(dist / width, 0.0, 1.0).astype(np.float32)
