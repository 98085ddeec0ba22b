"""Renderers of single damage shapes, each an opacity patch (float32, values in [0, 1]) to be
stamped onto a frame-sized layer, plus clustered placement over a smooth random density field.
"""
from __future__ import annotations

import cv2
import numpy as np

Patch = tuple[np.ndarray, int, int]  # opacity (h, w), top row, left column in the frame


def density_field(shape: tuple[int, int], rng: np.random.Generator, *,
                  clustering: float) -> np.ndarray:
    """A smooth random density (H, W) float32 summing to 1: low-frequency noise raised to a
    power that grows with ``clustering`` (0: uniform, 1: a few dense clusters)."""
    h, w = shape
    coarse = rng.random((max(2, h // 96 + 2), max(2, w // 96 + 2))).astype(np.float32)
    smooth = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    smooth = np.clip(smooth, 1e-3, None) ** (1.0 + 5.0 * clustering)
    return smooth / smooth.sum()


def sample_positions(density: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` (row, col) positions drawn from ``density`` -> int array (count, 2)."""
    flat = rng.choice(density.size, size=count, p=density.ravel())
    return np.stack(np.unravel_index(flat, density.shape), axis=1)


def speck(rng: np.random.Generator, diameter: float, opacity: float, softness: float) -> np.ndarray:
    """An irregular blob: a few overlapping ellipses with a soft edge."""
    pad = int(diameter) + 4
    size = 2 * pad + 1
    blob = np.zeros((size, size), np.float32)
    for _ in range(int(rng.integers(1, 4))):
        axes = (max(1, round(diameter / 2 * rng.uniform(0.5, 1.0))),
                max(1, round(diameter / 2 * rng.uniform(0.3, 1.0))))
        jitter = int(diameter // 4) + 1
        centre = (pad + int(rng.integers(-jitter, jitter + 1)),
                  pad + int(rng.integers(-jitter, jitter + 1)))
        cv2.ellipse(blob, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
    if diameter > 6:  # larger dirt has ragged edges
        ragged = cv2.GaussianBlur(rng.random((size, size)).astype(np.float32), (0, 0), 1.0)
        blob *= ragged > 0.42
    return cv2.GaussianBlur(blob, (0, 0), softness) * opacity


def polyline(points: np.ndarray, width: int, opacity: float) -> Patch:
    """Stroke ``points`` (n, 2) as (x, y) into a patch with its frame offset."""
    x0, y0 = int(np.floor(points[:, 0].min())) - width - 2, int(np.floor(points[:, 1].min())) - width - 2
    w = int(np.ceil(points[:, 0].max())) - x0 + width + 3
    h = int(np.ceil(points[:, 1].max())) - y0 + width + 3
    layer = np.zeros((h, w), np.float32)
    pts = np.round((points - (x0, y0)) * 4).astype(np.int32)  # 2 fractional bits
    cv2.polylines(layer, [pts], False, 1.0, max(1, width), cv2.LINE_AA, shift=2)
    return layer * opacity, y0, x0


def wandering_path(start, length: float, rng, *, step: float = 4.0, curl: float = 0.25,
                   angle: float | None = None) -> np.ndarray:
    """Points (n, 2) as (x, y) of a random walk with smoothly turning direction."""
    steps = max(3, int(length / step))
    heading = rng.uniform(0, 2 * np.pi) if angle is None else angle
    turn = np.cumsum(rng.normal(0, curl, steps))
    dx, dy = np.cos(heading + turn) * step, np.sin(heading + turn) * step
    xs = start[1] + np.concatenate([[0], np.cumsum(dx)])
    ys = start[0] + np.concatenate([[0], np.cumsum(dy)])
    return np.stack([xs, ys], axis=1)


def hair(start, rng, *, length: float, width: float, curl: float, opacity: float) -> Patch:
    points = wandering_path(start, length, rng, curl=curl)
    patch, y0, x0 = polyline(points, int(round(width)), opacity)
    # Hairs are partly translucent along their length.
    fade = cv2.GaussianBlur(rng.uniform(0.6, 1.0, patch.shape).astype(np.float32), (0, 0), 6)
    return patch * fade, y0, x0


def scratch(frame: tuple[int, int], rng, *, vertical: bool, length: float, width: float,
            curvature: float, gaps: float, opacity: float) -> Patch:
    """A long thin line; vertical ones run the frame's height like cine scratches."""
    h, w = frame
    if vertical:
        x = rng.uniform(0, w)
        top = rng.uniform(0, max(1.0, h - length))
        ys = np.linspace(top, top + length, max(4, int(length / 8)))
        xs = x + np.cumsum(rng.normal(0, curvature, ys.size))
        points = np.stack([xs, ys], axis=1)
    else:
        start = (rng.uniform(0, h), rng.uniform(0, w))
        points = wandering_path(start, length, rng, step=8.0, curl=curvature * 0.3)
    patch, y0, x0 = polyline(points, int(round(width)), opacity)
    if gaps > 0:  # break the line: zero out random runs along its main axis
        axis_len = patch.shape[0] if vertical else max(patch.shape)
        keep = cv2.resize((rng.random((max(2, axis_len // 24), 1)) > gaps).astype(np.float32),
                          (1, axis_len), interpolation=cv2.INTER_NEAREST)[:, 0]
        patch = patch * (keep[:, None] if vertical or patch.shape[0] >= patch.shape[1]
                         else keep[None, :])
    return patch, y0, x0


def blotch(rng, size: float, opacity: float) -> np.ndarray:
    """A large soft stain: thresholded smooth noise, feathered, with a darker rim (tide line)."""
    n = int(size * 2) + 8
    noise = cv2.GaussianBlur(rng.random((n, n)).astype(np.float32), (0, 0), size / 6)
    yy, xx = np.mgrid[0:n, 0:n]
    distance = np.hypot(yy - n / 2, xx - n / 2)
    radial = 1.0 - distance / (size / 2)
    shape = (radial + 0.45 * (noise - noise.mean()) / (noise.std() + 1e-6)) > 0.2
    # Fade out before the patch border so a stain never ends in a straight edge.
    shape = shape * np.clip((0.9 - distance / (n / 2)) * 8, 0, 1)
    body = cv2.GaussianBlur(shape.astype(np.float32), (0, 0), max(1.0, size / 15))
    rim = np.clip(body * (1 - body) * 4, 0, 1) * 0.5
    return np.clip(body * 0.7 + rim, 0, 1) * opacity


def hole(rng, size: float) -> np.ndarray:
    """An opaque, jagged, hard-edged hole or tear."""
    n = int(size * 1.5) + 6
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(7, 16))))
    radii = size / 2 * rng.uniform(0.45, 1.0, angles.size)
    pts = np.stack([n / 2 + radii * np.cos(angles), n / 2 + radii * np.sin(angles)], 1)
    mask = np.zeros((n, n), np.float32)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1.0, cv2.LINE_8)
    return mask


def crack(start, rng, *, length: float, branching: float, width: float,
          opacity: float, depth: int = 0) -> list[Patch]:
    """A branching crack network: a jagged path whose branches split off recursively."""
    points = wandering_path(start, length, rng, step=3.0, curl=0.5)
    patches = [polyline(points, int(round(width)), opacity)]
    if depth < 3:
        for idx in np.flatnonzero(rng.random(len(points)) < branching / 10):
            y, x = points[idx, 1], points[idx, 0]
            patches += crack((y, x), rng, length=length * rng.uniform(0.2, 0.5),
                             branching=branching * 0.7, width=max(1.0, width - 0.5),
                             opacity=opacity * 0.85, depth=depth + 1)
    return patches


def paint_flake(rng, size: float) -> np.ndarray:
    """A flaky island of lost paint: polygon with sharp edges and chipped outline."""
    patch = hole(rng, size)
    chips = cv2.erode(patch, np.ones((3, 3), np.uint8)) * (rng.random(patch.shape) > 0.1)
    return np.maximum(chips, cv2.GaussianBlur(patch, (0, 0), 0.4) * 0.9)


def stamp(canvas: np.ndarray, patch: np.ndarray, y0: int, x0: int,
          labels: np.ndarray | None = None, label: int = 0) -> None:
    """Max-composite ``patch`` onto ``canvas`` at (y0, x0), clipped; where the patch dominates
    with opacity above 0.1, ``labels`` takes ``label``."""
    h, w = canvas.shape
    ys, xs = max(0, y0), max(0, x0)
    ye, xe = min(h, y0 + patch.shape[0]), min(w, x0 + patch.shape[1])
    if ye <= ys or xe <= xs:
        return
    src = patch[ys - y0:ye - y0, xs - x0:xe - x0]
    view = canvas[ys:ye, xs:xe]
    if labels is not None:
        labels[ys:ye, xs:xe][(src > 0.1) & (src >= view)] = label
    np.maximum(view, src, out=view)


def centred(patch: np.ndarray, centre) -> Patch:
    """A patch positioned so that its centre lands on ``centre`` (row, col)."""
    return patch, int(centre[0]) - patch.shape[0] // 2, int(centre[1]) - patch.shape[1] // 2
