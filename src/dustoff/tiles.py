"""Overlapping tiles, so that per-pixel work on a 100-megapixel scan needs memory for one tile."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    """``padded`` slices the tile with its overlap out of the image; ``core`` is the part this
    tile is responsible for, and ``inner`` the same part within the padded tile."""

    core: tuple[slice, slice]
    padded: tuple[slice, slice]
    inner: tuple[slice, slice]


def iter_tiles(height: int, width: int, *, size: int = 1024, overlap: int = 64):
    """Tiles covering (height, width): cores of ``size`` pixels, each padded by ``overlap``."""
    if size <= 0 or overlap < 0:
        raise ValueError(f"tile size must be > 0 and overlap >= 0, got {size}, {overlap}")
    for y0 in range(0, height, size):
        for x0 in range(0, width, size):
            y1, x1 = min(y0 + size, height), min(x0 + size, width)
            py0, px0 = max(0, y0 - overlap), max(0, x0 - overlap)
            py1, px1 = min(height, y1 + overlap), min(width, x1 + overlap)
            yield Tile(core=(slice(y0, y1), slice(x0, x1)),
                       padded=(slice(py0, py1), slice(px0, px1)),
                       inner=(slice(y0 - py0, y1 - py0), slice(x0 - px0, x1 - px0)))


def tile_count(height: int, width: int, *, size: int = 1024) -> int:
    return (-(-height // size)) * (-(-width // size))
