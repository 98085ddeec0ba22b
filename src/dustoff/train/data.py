"""Training pairs from a ``dustoff dataset build`` folder, as tensors.

Each item is a dict of float32 tensors: ``damaged`` and ``clean`` (3, S, S) in [0, 1] and
``mask`` (1, S, S), the damage opacity in [0, 1]. Items are random ``crop`` x ``crop`` windows
of the stored pairs (the whole pair when ``crop`` is None), augmented alike in all three.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from ..errors import DustoffError
from .distractors import ColourJitter, SceneDistractors


@dataclass
class Augment:
    """Geometric and photometric changes applied alike to the damaged image, the clean image and
    (geometric ones only) the mask: flips and quarter turns (damage and pictures have no
    preferred orientation, except vertical cine scratches, which a turn makes horizontal: both
    occur on scans), plus a gamma and gain change with probability ``photometric``."""

    flips: bool = True
    photometric: float = 0.5
    gamma: tuple[float, float] = (0.7, 1.4)
    gain: tuple[float, float] = (0.8, 1.15)

    def __call__(self, arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        if self.flips:
            k = int(rng.integers(4))
            flip = bool(rng.integers(2))
            arrays = [np.rot90(a, k) for a in arrays]
            if flip:
                arrays = [a[:, ::-1] for a in arrays]
        if rng.random() < self.photometric:
            gamma, gain = rng.uniform(*self.gamma), rng.uniform(*self.gain)
            arrays = [np.clip(a ** gamma * gain, 0, 1) if a.ndim == 3 else a for a in arrays]
        return [np.ascontiguousarray(a) for a in arrays]


@dataclass
class PerspectiveAugment:
    """The augmentation of Ivanova et al. (fast.ai's transforms), applied alike to the damaged
    image, the clean image and the mask: horizontal flip (p = 0.5); a symmetric perspective
    warp, each corner moved by up to ``warp`` of the half-side (p = 0.75); a zoom into a random
    part by up to ``zoom`` (p = 0.75); brightness and contrast in logit space, brightness 0.5 and
    contrast 1 being no change (p = 0.75 each). Borders the warp uncovers are reflected."""

    flip: float = 0.5
    warp: float = 0.25
    zoom: float = 1.5
    brightness: tuple[float, float] = (0.25, 0.75)
    contrast: tuple[float, float] = (0.5, 2.0)
    p: float = 0.75

    def __call__(self, arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        h, w = arrays[0].shape[:2]
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        target = corners.copy()
        zoom, warp = rng.random() < self.p, False
        if zoom:  # show a smaller window of the picture
            scale = 1 / rng.uniform(1.0, self.zoom)
            cx, cy = rng.uniform(0, 1 - scale) * w, rng.uniform(0, 1 - scale) * h
            corners = corners * scale + np.float32([cx, cy])
        if rng.random() < self.p:
            warp = True
            m = rng.uniform(-self.warp, self.warp, 4) * np.float32([w, h, w, h]) / 2
            # Symmetric: opposite corners move in mirrored directions.
            target = target + np.float32([[-m[0], -m[1]], [m[2], -m[3]],
                                          [m[0], m[1]], [-m[2], m[3]]])
        if zoom or warp:
            matrix = cv2.getPerspectiveTransform(corners, target)
            arrays = [cv2.warpPerspective(a, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                          borderMode=cv2.BORDER_REFLECT_101) for a in arrays]
        if rng.random() < self.flip:
            arrays = [a[:, ::-1] for a in arrays]
        shift = 0.0
        if rng.random() < self.p:
            brightness = rng.uniform(*self.brightness)
            shift = np.log(brightness / (1 - brightness))
        gain = rng.uniform(*self.contrast) if rng.random() < self.p else 1.0
        if shift or gain != 1.0:
            arrays = [_logit_adjust(a, shift, gain) if a.ndim == 3 else a for a in arrays]
        return [np.ascontiguousarray(a) for a in arrays]


def _logit_adjust(image: np.ndarray, shift: float, gain: float) -> np.ndarray:
    """sigmoid(gain * logit(x) + shift), float32 in [0, 1] (fast.ai's brightness/contrast)."""
    x = np.clip(image, 1e-4, 1 - 1e-4)
    return (1 / (1 + np.exp(-(gain * np.log(x / (1 - x)) + shift)))).astype(np.float32)


@dataclass
class SceneAugment:
    """:class:`Augment`, then colour jitter and scene distractors (text, outlines, lights)
    painted under the damage (:mod:`dustoff.train.distractors`): teaches a detector what is
    not damage."""

    colour: float = 0.5
    distractors: float = 0.5

    def __call__(self, arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        arrays = Augment()(arrays, rng)
        arrays = ColourJitter(p=self.colour)(arrays, rng)
        arrays = SceneDistractors(p=self.distractors)(arrays, rng)
        return [np.ascontiguousarray(a) for a in arrays]


#: Augmentations by name (``dustoff train --augment``).
AUGMENTS = {"default": Augment, "perspective": PerspectiveAugment, "scene": SceneAugment}


def read_manifest(root: Path, split: str, sizes=None) -> list[dict]:
    """Rows of ``split`` (and of ``sizes``, when given) in a built dataset, possibly none; each
    row gets ``root``, the dataset folder its file paths are relative to."""
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise DustoffError(f"{root}: not a dustoff dataset (no manifest.json); "
                           "make one with `dustoff dataset build`")
    rows = [{**r, "root": Path(root)} for r in json.loads(path.read_text())["pairs"]
            if r["split"] == split]
    if sizes:
        rows = [r for r in rows if r["size"] in set(sizes)]
    return rows


def _read_png(path: Path) -> np.ndarray:
    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if data is None:
        raise DustoffError(f"{path}: cannot read")
    if data.ndim == 3:
        data = cv2.cvtColor(data, cv2.COLOR_BGR2RGB)
    return data


class PairDataset(Dataset):
    """Pairs of one split of one or several datasets (``roots``: a folder or a list of them,
    e.g. a structured-only build plus one with grain, noise and JPEG). ``crop``: side of the
    random window (None: whole pairs, which must then share one size); a dataset without
    ``split`` adds nothing to it (one of them must have it); ``augment``: an
    :class:`Augment` or None; ``seed``: the crops and augmentation are a function of (seed,
    epoch, index), so a resumed run sees the same samples."""

    def __init__(self, roots, split: str, *, sizes=None, crop: int | None = 128,
                 augment: Augment | None = None, seed: int = 0, cache: bool = True):
        roots = [roots] if isinstance(roots, (str, Path)) else list(roots)
        # a training-only build adds nothing to validation, but some dataset must have the split
        self.rows = [row for root in roots for row in read_manifest(root, split, sizes)]
        if not self.rows:
            raise DustoffError(f"{', '.join(map(str, roots))}: no {split} pairs"
                               + (f" of sizes {list(sizes)}" if sizes else ""))
        smallest = min(r["size"] for r in self.rows)
        if crop is not None and crop > smallest:
            raise DustoffError(f"crop {crop} is larger than pairs of size {smallest}")
        self.crop, self.augment, self.seed = crop, augment, seed
        self.epoch = 0
        self._cache: dict[int, list[np.ndarray]] | None = {} if cache else None

    def __len__(self) -> int:
        return len(self.rows)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _load(self, index: int) -> list[np.ndarray]:
        if self._cache is not None and index in self._cache:
            return self._cache[index]
        row = self.rows[index]
        arrays = [_read_png(row["root"] / row["files"][k]) for k in ("damaged", "clean", "mask")]
        if self._cache is not None:
            self._cache[index] = arrays
        return arrays

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        damaged, clean, mask = self._load(index)
        if self.crop is not None:
            h, w = mask.shape
            y, x = int(rng.integers(h - self.crop + 1)), int(rng.integers(w - self.crop + 1))
            window = (slice(y, y + self.crop), slice(x, x + self.crop))
            damaged, clean, mask = damaged[window], clean[window], mask[window]
        arrays = [damaged.astype(np.float32) / 255, clean.astype(np.float32) / 255,
                  mask.astype(np.float32) / 255]
        if self.augment is not None:
            arrays = self.augment(arrays, rng)
        damaged, clean, mask = arrays
        return {"damaged": torch.from_numpy(damaged).permute(2, 0, 1),
                "clean": torch.from_numpy(clean).permute(2, 0, 1),
                "mask": torch.from_numpy(mask)[None]}
