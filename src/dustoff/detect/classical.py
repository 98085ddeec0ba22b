"""Classical damage detection from the image alone: morphological top-hat residuals, thresholded
against the local grain/texture level, grown by hysteresis and filtered by size and shape.

What it finds: dark and/or light specks (dust, dirt) up to ``2 * max_width + 1`` pixels across,
and thin elongated defects (hairs, scratches, long vertical cine scratches) up to ``max_width``
pixels wide. A straight-line integration along rows and columns lets faint long scratches through
where a single pixel would be lost in the grain.

What it deliberately leaves alone:
- film grain, sensor noise and fine texture: a defect must stand ``k`` robust standard deviations
  above its own neighbourhood's residual (see :mod:`dustoff.detect.noise`) and above an absolute
  contrast floor;
- stars, lamps, specular highlights and catch-lights (light polarity): their light spreads into a
  glow (the optics' point-spread function, bloom, or a bright surround), so a light component whose
  surrounding ring is itself bright is rejected; dust sitting on the film has a hard edge;
- thin lines and spots inside structured surroundings (window bars, wires against walls, a
  pattern's spots): where the damage-free background varies by more than ``structure_ratio`` of
  the component's contrast, it is taken as picture content; so is a component that changes hue
  (opaque dust scales all channels alike) and one cut by the frame edge;
- anything larger than a speck that is not thin (objects, blotches): out of this detector's scope.

The default polarity is ``dark`` (dust on slides and positives, the common scanning case). Light
polarity is opt-in (negatives, prints) because stars, splashes, catch-lights and bright pattern
spots are physically alike to light dust at this scale; the glow test removes many, not all.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..registry import detectors
from .label_stats import label_area, label_max, label_mean
from .noise import local_median_and_scale

POLARITIES = ("dark", "light", "both")
_GROW = 2  # pixels hysteresis may extend an accepted core


def luminance(image: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of a float image (H, W, C) in [0, 1] -> float32 (H, W)."""
    if image.shape[2] == 1:
        return np.ascontiguousarray(image[:, :, 0], dtype=np.float32)
    r, g, b = image[:, :, 0], image[:, :, 1], image[:, :, 2]
    return (0.2126 * r + 0.7152 * g + 0.0722 * b).astype(np.float32)


@dataclass
class ClassicalDetector:
    """Noise-adaptive top-hat detector of small and thin defects.

    Parameters
    ----------
    polarity : {"dark", "light", "both"}
        Dark defects (dust on slides and positives), light ones (dust on negatives, prints), or both.
    sensitivity : float in [0, 1]
        0 flags only blatant defects, 1 flags faint ones too (and risks grain); 0.5 is the default
        operating point, tuned to change under 0.05% of the pixels of clean photographs.
    max_width : int
        Widest defect in pixels: specks up to ``2 * max_width + 1`` across, lines up to this wide.
    min_line_length : int
        Shortest extent in pixels for a component to count as a hair or scratch rather than a speck.
    """

    polarity: str = "dark"
    sensitivity: float = 0.5
    max_width: int = 7
    min_line_length: int = 25
    glow_ratio: float = 0.3
    structure_ratio: float = 0.15
    flatness: float = 0.55
    hue_tolerance: float = 0.5

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ValueError(f"sensitivity must be in [0, 1], got {self.sensitivity}")

    @property
    def context(self) -> int:
        """Pixels of surrounding image each output pixel depends on (tile overlap to use)."""
        return 2 * self.max_width + 40

    @property
    def _k_high(self) -> float:
        return 9.5 - 5.0 * self.sensitivity

    @property
    def _floor(self) -> float:
        return 0.045 - 0.035 * self.sensitivity

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Damage mask of ``image``.

        Parameters
        ----------
        image : ndarray, float32, shape (H, W, C), values in [0, 1]

        Returns
        -------
        mask : ndarray, float32, shape (H, W), 1.0 where damaged, else 0.0
        """
        lum = luminance(image)
        size = 2 * self.max_width + 1
        se = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
        mask = np.zeros(lum.shape, dtype=bool)
        if self.polarity in ("dark", "both"):
            background = cv2.morphologyEx(lum, cv2.MORPH_CLOSE, se)
            mask |= self._components(image, lum, background, light=False)
        if self.polarity in ("light", "both"):
            background = cv2.morphologyEx(lum, cv2.MORPH_OPEN, se)
            mask |= self._components(image, lum, background, light=True)
        return mask.astype(np.float32)

    def _components(self, image: np.ndarray, lum: np.ndarray, background: np.ndarray, *,
                    light: bool) -> np.ndarray:
        """Accepted defect pixels of one polarity (bool (H, W)).

        ``background`` is the luma with defects of this polarity removed (closing or opening);
        the top-hat residual is its distance from the luma.

        Shape rules judge the strong cores (``z > k_high``); hysteresis then extends accepted
        cores by at most ``_GROW`` pixels into weaker surroundings (the defect's soft edge),
        which cannot leak into the grain.
        """
        residual = background - lum if not light else lum - background
        k_high, floor = self._k_high, self._floor
        med, scale = local_median_and_scale(residual)
        z = (residual - med) / scale
        seeds = (z > k_high) & (residual > floor)
        seeds |= self._line_seeds(residual, med, scale, k_high, floor)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(seeds.view(np.uint8),
                                                               connectivity=8)
        if n <= 1:
            return np.zeros(seeds.shape, dtype=bool)
        area = stats[:, cv2.CC_STAT_AREA]
        extent = np.maximum(stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT])
        width = area / np.maximum(extent, 1)
        speck = extent <= 2 * self.max_width + 1
        line = (extent >= self.min_line_length) & (width <= self.max_width)
        keep = speck | line
        keep[0] = False
        # A component cut by the frame edge cannot be judged as a speck (half of its shape and
        # context are missing); picture content runs off the edge far more often than dust.
        # Scratches run off the frame (cine) across its edge; content runs along it too.
        x, y = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
        cw, ch = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
        h, w = seeds.shape
        at_top_bottom = (y == 0) | (y + ch >= h)
        at_sides = (x == 0) | (x + cw >= w)
        across = ~(at_top_bottom & (cw > ch)) & ~(at_sides & (ch > cw))
        keep &= np.where(line, across, ~at_top_bottom & ~at_sides)
        candidates = np.flatnonzero(keep)
        if candidates.size:
            peak = label_max(z, labels, candidates)
            # One- and two-pixel blips are grain unless they stand far out of it.
            weak_tiny = (area[candidates] <= 2) & (np.asarray(peak) < 1.6 * k_high)
            keep[candidates[weak_tiny]] = False
        self._reject_structure(keep, labels, background, residual, line)
        if image.shape[2] == 3:
            self._reject_coloured(keep, labels, image, light)
        if light:
            self._reject_glows(keep, labels, residual)
        kept = keep[labels]
        near = cv2.dilate(kept.view(np.uint8), np.ones((2 * _GROW + 1,) * 2, np.uint8))
        soft_edge = (z > 0.5 * k_high) & (residual > 0.5 * floor) & near.astype(bool)
        return kept | soft_edge

    def _line_seeds(self, residual, med, scale, k_high, floor) -> np.ndarray:
        """Pixels on faint straight horizontal or vertical lines (scratches).

        The residual is clipped at ``med + 2 * scale`` before it is averaged along a line, so a
        single strong speck cannot raise the average: only a consistent line does.
        """
        length = 4 * self.min_line_length // 3 | 1
        clipped = np.minimum(residual, med + 2.0 * scale)
        seeds = np.zeros(residual.shape, dtype=bool)
        for ksize in ((1, length), (length, 1)):
            along = cv2.blur(clipped, ksize)
            a_med, a_scale = local_median_and_scale(along)
            seeds |= ((along - a_med) / a_scale > k_high) & (along > 0.5 * floor) \
                & (residual > 0.5 * floor)
        return seeds

    def _reject_structure(self, keep, labels, background, residual, line) -> None:
        """Drop components lying in structured surroundings (window bars, antennae, spots of a
        pattern): where the defect-free background itself has detail at the defect's scale
        amounting to ``structure_ratio`` of the component's contrast, the component is more
        likely part of the picture than dust on it. Smooth gradients are not detail.

        For specks, grain counts as detail: in grainy areas only specks that stand well out of
        the grain are taken. For lines, detail is measured above the local grain level, so that
        faint scratches running through grainy film are still found.
        """
        ids = np.flatnonzero(keep)
        if not ids.size:
            return
        detail = np.abs(background - cv2.GaussianBlur(background, (0, 0), self.max_width / 2))
        level, spread = local_median_and_scale(detail)
        above_grain = np.maximum(detail - (level + 3.0 * spread), 0.0)
        reach = np.ones((2 * self.max_width + 1,) * 2, np.uint8)
        peak = label_max(residual, labels, ids)
        for measure, judged in ((detail, ~line[ids]), (above_grain, line[ids])):
            structure = label_max(cv2.dilate(measure, reach), labels, ids)
            keep[ids[judged & (structure > self.structure_ratio * peak)]] = False

    def _reject_coloured(self, keep, labels, image, light) -> None:
        """Drop components that change hue: opaque dust scales every channel toward black
        (dark) or white (light) by the same fraction of the surrounding colour, coloured picture
        content does not."""
        ids = np.flatnonzero(keep)
        if not ids.size:
            return
        ring = _rings(keep, labels, ids)
        inside = np.stack([label_mean(image[:, :, c], labels, ids) for c in range(3)])
        around = np.stack([label_mean(image[:, :, c], ring, ids) for c in range(3)])
        around = np.nan_to_num(around)
        if light:
            fraction = (inside - around) / np.maximum(1.0 - around, 0.05)
        else:
            fraction = 1.0 - inside / np.maximum(around, 0.02)
        spread = fraction.max(axis=0) - fraction.min(axis=0)
        level = np.abs(fraction.mean(axis=0))
        keep[ids[spread > self.hue_tolerance * level + 0.05]] = False

    def _reject_glows(self, keep: np.ndarray, labels: np.ndarray, residual: np.ndarray) -> None:
        """Drop light components that glow or peak like light sources (stars, lamps, highlights)."""
        ids = np.flatnonzero(keep)
        if not ids.size:
            return
        ring_mean = np.nan_to_num(label_mean(residual, _rings(keep, labels, ids), ids))
        peak = label_max(residual, labels, ids)
        mean = label_mean(residual, labels, ids)
        area = label_area(labels, ids)
        glowing = ring_mean > self.glow_ratio * peak
        # A point of light imaged through a lens has a peaked profile; dust on the film is
        # flat-topped with a short edge. Tiny components have no profile to judge.
        peaked = (area >= 5) & (mean < self.flatness * peak)
        keep[ids[glowing | peaked]] = False


def _rings(keep: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Label image (int32 (H, W)) of the 2-pixel-wide band starting 2 pixels outside each kept
    component: its immediate surroundings, clear of the component's own soft edge."""
    lut = np.zeros(keep.size, dtype=np.float32)
    lut[ids] = ids
    kept = lut[labels]
    inner = cv2.dilate(kept, np.ones((5, 5), np.uint8))
    outer = cv2.dilate(kept, np.ones((9, 9), np.uint8))
    return np.where(inner == 0, outer, 0).astype(np.int32)


@detectors.register("classical", "Noise-adaptive morphological detector of specks, hairs and "
                                 "scratches (no model weights)")
def _make_classical(**options) -> ClassicalDetector:
    return ClassicalDetector(**options)
