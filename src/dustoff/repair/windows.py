"""The in-painting network's fill of a whole damage mask, computed window by window on demand.

For damage spread wider than one network call should take (the learned filler's groups wider
than a window): the image is cut into square cells; a cell holding any pixel the caller wants
filled is run through the network in a window that adds ``margin`` pixels of context on every
side, with every damaged pixel of the window unknown, as in training (shifted inward at the
image's edges, so that all windows have one size and can go through the network in batches).
Only the cells a caller asks for are computed, and cells no later request can reach are
dropped, so memory follows the cells in flight, not the scan.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..io.scan import to_float

#: Cell side and context margin (pixels): 640-pixel windows (1.6 times the cells' area), and a
#: picture up to 640 pixels on each side is one window.
CELL, MARGIN = 512, 64


class WindowFills:
    """Lazily computed network fill of ``hole`` over ``image``.

    Parameters
    ----------
    network : callable(windows float32 (B, h, w, C) in [0, 1], holes bool (B, h, w)) ->
        float32 (B, h, w, C) in [0, 1]; the windows of one call all have one shape.
    image : native samples (H, W, C), uint8, uint16 or float32 in [0, 1]
    hole : bool (H, W), every pixel the network must treat as unknown
    wanted : bool (H, W), the pixels callers will ask for (a subset of ``hole``); only cells
        holding some are ever computed
    batch : windows per network call
    """

    def __init__(self, network: Callable, image: np.ndarray, hole: np.ndarray,
                 wanted: np.ndarray, *, cell: int = CELL, margin: int = MARGIN, batch: int = 1):
        self.network, self.image, self.hole = network, image, hole
        self.cell, self.margin, self.batch = cell, margin, batch
        h, w = hole.shape
        self.window = (min(h, cell + 2 * margin), min(w, cell + 2 * margin))
        rows, cols = -(-h // cell), -(-w // cell)
        padded = np.zeros((rows * cell, cols * cell), bool)
        padded[:h, :w] = wanted
        self.active = padded.reshape(rows, cell, cols, cell).any(axis=(1, 3))
        self.done: dict[tuple[int, int], np.ndarray] = {}

    def crop(self, rows: slice, cols: slice) -> np.ndarray:
        """The fill over ``image[rows, cols]``: float32 (h, w, C) in [0, 1]; the network's fill in
        active cells, the image itself elsewhere."""
        out = to_float(self.image[rows, cols])
        needed = self._cells(rows, cols)
        self._compute([key for key in needed if key not in self.done])
        for r, c in needed:
            top, left = r * self.cell, c * self.cell
            r0, r1 = max(rows.start, top), min(rows.stop, top + self.cell)
            c0, c1 = max(cols.start, left), min(cols.stop, left + self.cell)
            out[r0 - rows.start:r1 - rows.start, c0 - cols.start:c1 - cols.start] = \
                self.done[r, c][r0 - top:r1 - top, c0 - left:c1 - left]
        return out

    def forget_above(self, row: int) -> None:
        """Drop the computed cells that lie wholly above ``row`` (no later crop starts above it)."""
        for key in [key for key in self.done if (key[0] + 1) * self.cell <= row]:
            del self.done[key]

    def _cells(self, rows: slice, cols: slice) -> list[tuple[int, int]]:
        r0, r1 = rows.start // self.cell, -(-rows.stop // self.cell)
        c0, c1 = cols.start // self.cell, -(-cols.stop // self.cell)
        return [(r, c) for r in range(r0, r1) for c in range(c0, c1) if self.active[r, c]]

    def _compute(self, keys: list[tuple[int, int]]) -> None:
        corners: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for key in keys:  # cells sharing a window (at a small scan's edges) share its run
            corners.setdefault(self._corner(key), []).append(key)
        order = list(corners)
        (wh, ww) = self.window
        for start in range(0, len(order), self.batch):
            chunk = order[start:start + self.batch]
            windows = np.stack([to_float(self.image[t:t + wh, l:l + ww]) for t, l in chunk])
            holes = np.stack([self.hole[t:t + wh, l:l + ww] for t, l in chunk])
            filled = self.network(windows, holes)
            for (top, left), window in zip(chunk, filled):
                for r, c in corners[top, left]:
                    r0, c0 = r * self.cell - top, c * self.cell - left
                    self.done[r, c] = window[r0:r0 + self.cell, c0:c0 + self.cell].copy()

    def _corner(self, key: tuple[int, int]) -> tuple[int, int]:
        """Top-left corner of the window around cell ``key``: the cell plus the margin, shifted
        inside the image."""
        (h, w), (wh, ww) = self.hole.shape, self.window
        top = min(max(key[0] * self.cell - self.margin, 0), h - wh)
        left = min(max(key[1] * self.cell - self.margin, 0), w - ww)
        return top, left
