"""The in-memory form of an image file: native pixels plus everything needed to write it back.

Pixels stay in the file's own integer dtype (uint8 or uint16) so that a 100-megapixel 16-bit scan
costs 2 bytes per sample, not 4; the pipeline converts one tile at a time to float32 in [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = ("png", "jpeg", "tiff")


@dataclass
class Scan:
    """A decoded image file.

    Attributes
    ----------
    color : ndarray, shape (H, W, C), C in {1, 3}, dtype uint8 or uint16
        Grey or RGB samples exactly as stored in the file.
    alpha : ndarray, shape (H, W), same dtype as ``color``, or None
        The alpha channel, never modified by restoration.
    extra : ndarray, shape (H, W, E), same dtype, or None
        Further channels that are not alpha (e.g. the infrared plane of an RGBI scan read without
        ``infrared=True``); carried through untouched.
    infrared : ndarray, shape (H, W), same dtype, or None
        The infrared plane of an RGBI scan when read with ``infrared=True``; written back after
        the colour channels so that the file keeps its four channels.
    format : {"png", "jpeg", "tiff"}
        Container format of the source file.
    metadata : dict
        Format-specific data needed to write the file back (ICC profile, EXIF, XMP, resolution,
        PNG ancillary chunks, TIFF tags, JPEG quantisation tables).
    path : Path or None
        Where it was read from.
    """

    color: np.ndarray
    format: str
    alpha: np.ndarray | None = None
    extra: np.ndarray | None = None
    infrared: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def bit_depth(self) -> int:
        """8 or 16."""
        return self.color.dtype.itemsize * 8

    @property
    def max_value(self) -> int:
        """255 or 65535: the value that maps to 1.0."""
        return int(np.iinfo(self.color.dtype).max)

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W)."""
        return self.color.shape[:2]

    @property
    def channels(self) -> int:
        """Total channel count as stored in the file (colour + alpha + extra + infrared)."""
        n = self.color.shape[2] + (self.alpha is not None)
        n += 0 if self.extra is None else self.extra.shape[2]
        return n + (self.infrared is not None)

    def color_float(self, rows: slice = slice(None), cols: slice = slice(None)) -> np.ndarray:
        """Colour samples of a region as float32 (h, w, C) in [0, 1]."""
        return to_float(self.color[rows, cols])

    def with_color(self, color: np.ndarray) -> "Scan":
        """A copy that shares everything but the colour samples (same dtype and shape required)."""
        if color.shape != self.color.shape or color.dtype != self.color.dtype:
            raise ValueError(
                f"new colour must match {self.color.shape} {self.color.dtype}, "
                f"got {color.shape} {color.dtype}"
            )
        return replace(self, color=color)


def to_float(samples: np.ndarray) -> np.ndarray:
    """Native samples (uint8, uint16, or float already in [0, 1]) -> float32 in [0, 1]."""
    if samples.dtype.kind == "f":
        return samples.astype(np.float32)
    return samples.astype(np.float32) * np.float32(1.0 / np.iinfo(samples.dtype).max)


def to_native(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Float samples in [0, 1] to ``dtype``: rounded and clipped for integers, clipped for
    floats."""
    if np.dtype(dtype).kind == "f":
        return np.clip(values, 0.0, 1.0).astype(dtype)
    top = np.iinfo(dtype).max
    scaled = np.multiply(values, top,
                         dtype=np.float32 if values.dtype == np.float32 else np.float64)
    np.rint(scaled, out=scaled)  # in place: one temporary, not three (24-MP masks)
    np.clip(scaled, 0, top, out=scaled)
    return scaled.astype(dtype)
