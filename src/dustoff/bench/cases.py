"""Image grids of a method's best and worst cases, for looking at what the numbers mean.

Each row is one input: given image | restored | clean | error | mask comparison, where the error
is |restored - clean| amplified 4x, and the mask comparison shows the true damage the method
treated (green), missed (red) and the pixels it treated that were not damaged (yellow).
"""
from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..io import write_bytes
from ..metrics import binary_mask
from .data import BenchItem
from .run import read_item

COLUMNS = ("input", "restored", "clean", "error x4", "treated / missed / false")
HEADER = 22


def pick(items: list[dict], *, kind: str, key: str, count: int, best: bool) -> list[dict]:
    """The ``count`` scored rows of ``kind`` with the highest (``best``) or lowest ``key``."""
    rows = [r for r in items if r["kind"] == kind and r.get(key) is not None]
    rows.sort(key=lambda r: r[key], reverse=best)
    return rows[:count]


def _tile(image: np.ndarray, side: int) -> np.ndarray:
    """float (H, W, C) -> uint8 RGB (side, side * W / H, 3)."""
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    h, w = image.shape[:2]
    size = (max(1, round(side * w / h)), side)
    rgb = (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if h > side else cv2.INTER_NEAREST)


def _mask_view(given: np.ndarray, treated: np.ndarray, truth: np.ndarray | None) -> np.ndarray:
    grey = given.mean(axis=2, keepdims=True) if given.ndim == 3 else given[:, :, None]
    view = np.repeat(0.35 * grey, 3, axis=2)
    treated = treated >= 0.5
    truth = binary_mask(truth) if truth is not None else np.zeros_like(treated)
    view[treated & truth] = (0.1, 0.9, 0.2)
    view[~treated & truth] = (0.95, 0.1, 0.1)
    view[treated & ~truth] = (1.0, 0.85, 0.0)
    return view


def _label(strip_width: int, text: str) -> np.ndarray:
    strip = np.full((HEADER, strip_width, 3), 255, np.uint8)
    cv2.putText(strip, text, (4, HEADER - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)
    return strip


def render(method, rows: list[dict], items: dict[str, BenchItem], path: Path, *,
           key: str, side: int = 256) -> Path:
    """Re-run ``method`` on the inputs of ``rows`` and write the grid as a PNG at ``path``."""
    lines = []
    for row in rows:
        given, clean, truth = read_item(items[row["id"]])
        out = method(given)
        restored = np.clip(out.image, 0, 1)
        error = np.clip(4 * np.abs(restored - clean), 0, 1)
        tiles = [_tile(x, side) for x in (given, restored, clean, error,
                                          _mask_view(given, out.mask, truth))]
        gap = np.full((tiles[0].shape[0], 4, 3), 255, np.uint8)
        body = np.concatenate([t for tile in tiles for t in (tile, gap)][:-1], axis=1)
        lines += [_label(body.shape[1], f"{row['id']}   {key} = {row[key]:+.4f}"), body]
    if not lines:
        return path
    width = lines[0].shape[1]
    head = np.full((HEADER, width, 3), 255, np.uint8)
    step = (width + 4) // len(COLUMNS)
    for i, title in enumerate(COLUMNS):
        cv2.putText(head, title, (i * step + 4, HEADER - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (80, 80, 80), 1, cv2.LINE_AA)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.fromarray(np.concatenate([head, *lines], axis=0)).save(buffer, format="PNG",
                                                                 optimize=True)
    write_bytes(buffer.getvalue(), path)
    return path
