"""Scene content that looks like damage but is not: hard negatives for the damage detector.

A detector trained only on damage over ordinary photographs flags what it has never seen as
part of a scene: handwriting and print, dark outlines between objects (drawings, lanterns,
leaded glass), lamps, stars and glints. These augmentations paint such things into a training
pair *as scene content*: into the clean image, and into the damaged image underneath the damage,
so the ground-truth mask stays what it was.

Arrays follow :mod:`dustoff.train.data`: images float32 (S, S, 3) in [0, 1], mask float32
(S, S), the damage opacity in [0, 1].
"""
from __future__ import annotations

import string
from dataclasses import dataclass

import cv2
import numpy as np

_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_DUPLEX,
          cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_SCRIPT_SIMPLEX,
          cv2.FONT_HERSHEY_SCRIPT_COMPLEX, cv2.FONT_ITALIC | cv2.FONT_HERSHEY_SIMPLEX)
_LETTERS = string.ascii_letters + string.digits + "    .,-"


def paint_under_damage(damaged: np.ndarray, clean: np.ndarray, mask: np.ndarray,
                       colour: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blend ``colour`` (S, S, 3) with opacity ``alpha`` (S, S) in [0, 1] into the scene.

    The clean image becomes ``clean * (1 - alpha) + colour * alpha``; the damaged image gets the
    same change scaled by ``1 - mask``, which is exact for damage blended over the scene with
    opacity ``mask``. Returns new (damaged, clean), float32 in [0, 1].
    """
    change = (colour - clean) * alpha[:, :, None]
    new_clean = np.clip(clean + change, 0, 1)
    new_damaged = np.clip(damaged + change * (1 - mask[:, :, None]), 0, 1)
    return new_damaged.astype(np.float32), new_clean.astype(np.float32)


def _soften(alpha: np.ndarray, rng) -> np.ndarray:
    """Scene content is seen through the lens: a Gaussian blur of sigma 0.4-1.2 px."""
    return cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.4, 1.2))


def _ink(rng) -> np.ndarray:
    """An ink or paint colour (3,): mostly dark, sometimes any colour."""
    if rng.random() < 0.7:
        return rng.uniform(0.0, 0.25, 3).astype(np.float32) * rng.uniform(0.3, 1.0)
    return rng.uniform(0.0, 1.0, 3).astype(np.float32)


def text(clean: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Lines of print or handwriting, possibly rotated -> (colour (S, S, 3), alpha (S, S))."""
    h, w = clean.shape[:2]
    up = 2  # drawn at twice the size, then reduced: anti-aliased strokes
    canvas = np.zeros((h * up, w * up), np.uint8)
    font = int(rng.choice(_FONTS))
    scale = rng.uniform(0.25, 1.2) * up
    thickness = int(rng.integers(1, 3)) * up
    line_height = int(30 * scale) + 2
    top = int(rng.integers(0, max(1, h * up // 2)))
    left = int(rng.integers(0, max(1, w * up // 2)))
    for row in range(int(rng.integers(1, 6))):
        words = "".join(rng.choice(list(_LETTERS), int(rng.integers(4, 24))))
        cv2.putText(canvas, words, (left, top + line_height * (row + 1)), font, scale, 255,
                    thickness, cv2.LINE_AA)
    alpha = canvas.astype(np.float32) / 255
    angle = rng.uniform(-40, 40)
    matrix = cv2.getRotationMatrix2D((w * up / 2, h * up / 2), angle, 1.0)
    alpha = cv2.warpAffine(alpha, matrix, (w * up, h * up))
    alpha = cv2.resize(alpha, (w, h), interpolation=cv2.INTER_AREA)
    alpha = _soften(alpha, rng) * rng.uniform(0.6, 1.0)
    colour = np.broadcast_to(_ink(rng), clean.shape)
    return colour, alpha


def outlines(clean: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Dark lines along the picture's own edges, as in drawings or between tight-packed objects
    -> (colour, alpha)."""
    grey = cv2.cvtColor((clean * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.8, 2.0))
    # thresholds from the picture's own gradients: its strongest 5-20% of edges
    gradient = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    high = max(float(np.percentile(gradient, rng.uniform(80, 95))), 1.0)
    edges = cv2.Canny(grey, high / 2, high, L2gradient=True)
    # keep a random subset of the edge curves, so some objects are outlined and some are not
    count, labels, stats, _ = cv2.connectedComponentsWithStats(edges)
    keep = rng.random(count) < rng.uniform(0.3, 1.0)
    if count > 1:
        keep[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))] = True  # never an empty draw
    keep[0] = False
    lines = keep[labels].astype(np.uint8)
    width = int(rng.integers(1, 4))
    if width > 1:
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (width, width)))
    alpha = _soften(lines.astype(np.float32), rng) * rng.uniform(0.6, 1.0)
    colour = np.broadcast_to(rng.uniform(0.0, 0.12, 3).astype(np.float32), clean.shape)
    return colour, alpha


def lights(clean: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Lamps, stars and glints: small bright cores, often coloured, with a soft glow
    -> (colour, alpha)."""
    h, w = clean.shape[:2]
    alpha = np.zeros((h, w), np.float32)
    colour = np.zeros((h, w, 3), np.float32)
    clustered = rng.random() < 0.5  # a string of lamps or a star field, else a few scattered
    count = int(rng.integers(8, 60)) if clustered else int(rng.integers(1, 8))
    centre = rng.uniform(0, [h, w])
    for _ in range(count):
        y, x = (centre + rng.normal(0, h / 6, 2)) if clustered else rng.uniform(0, [h, w])
        core = rng.uniform(0.6, 3.5)
        glow = core * rng.uniform(1.5, 5.0)
        tint = rng.uniform(0.5, 1.0, 3).astype(np.float32)
        tint /= tint.max()
        strength = rng.uniform(0.2, 0.7)
        reach = int(3 * glow) + 1  # the spot is below 1% of its peak beyond this
        rows = slice(max(0, int(y) - reach), min(h, int(y) + reach + 1))
        cols = slice(max(0, int(x) - reach), min(w, int(x) + reach + 1))
        if rows.start >= rows.stop or cols.start >= cols.stop:
            continue
        yy, xx = np.ogrid[rows, cols]
        r2 = (yy - y) ** 2 + (xx - x) ** 2
        spot = np.maximum(np.exp(-r2 / (2 * core ** 2)),
                          strength * np.exp(-r2 / (2 * glow ** 2))).astype(np.float32)
        window = alpha[rows, cols]
        take = spot > window
        colour[rows, cols][take] = tint
        alpha[rows, cols] = np.maximum(window, spot)
    return colour, np.clip(alpha, 0, 1)


#: The distractor kinds, each (clean image, rng) -> (colour (S, S, 3), alpha (S, S)).
KINDS = {"text": text, "outlines": outlines, "lights": lights}


@dataclass
class SceneDistractors:
    """Paint one or two distractor kinds (text, outlines, lights) into a pair with probability
    ``p``; the mask is unchanged."""

    p: float = 0.5

    def __call__(self, arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        damaged, clean, mask = arrays
        if rng.random() >= self.p:
            return arrays
        for name in rng.choice(sorted(KINDS), int(rng.integers(1, 3)), replace=False):
            colour, alpha = KINDS[name](clean, rng)
            damaged, clean = paint_under_damage(damaged, clean, mask, colour, alpha)
        return [damaged, clean, mask]


@dataclass
class ColourJitter:
    """Saturation and hue changed alike in both images with probability ``p``: the rotation of
    colours about the grey axis by up to ``hue`` degrees and a scaling of their distance from
    it by a factor in ``saturation``. Many damage-free pictures are far more saturated than
    the training photographs."""

    p: float = 0.5
    hue: float = 180.0
    saturation: tuple[float, float] = (0.4, 2.2)

    def matrix(self, rng) -> np.ndarray:
        """The 3x3 colour matrix (float32) of one random draw."""
        theta = np.deg2rad(rng.uniform(-self.hue, self.hue))
        axis = np.ones(3) / np.sqrt(3)
        cross = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]],
                          [-axis[1], axis[0], 0]])
        grey = np.outer(axis, axis)
        rotation = np.cos(theta) * np.eye(3) + np.sin(theta) * cross + \
            (1 - np.cos(theta)) * grey
        scale = rng.uniform(*self.saturation)
        return (grey + scale * (np.eye(3) - grey)) @ rotation

    def __call__(self, arrays: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
        if rng.random() >= self.p:
            return arrays
        m = self.matrix(rng).astype(np.float32)
        return [np.clip(a @ m.T, 0, 1).astype(np.float32) if a.ndim == 3 else a for a in arrays]
