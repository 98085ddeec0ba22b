"""The eight symmetries of a square as views of an image, each with the map back.

Damage and pictures look alike mirrored, upside down and turned a quarter, so a detector's
scores can be averaged over these views: its errors differ from view to view, the damage does
not. Works on NumPy arrays and torch tensors alike, on any two axes.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

View = Callable[[object], object]

#: How many views an average may take: as is; plus mirrored; plus upside down; plus quarter turns.
PASSES = (1, 2, 4, 8)


def dihedral_views(passes: int, axes: tuple[int, int] = (0, 1)) -> list[tuple[View, View]]:
    """The first ``passes`` views of an array whose image rows and columns are ``axes``, each as
    ``(view, undo)``: ``undo`` maps a per-pixel result computed on the view back onto the
    original's pixels (the result's rows and columns on the same ``axes``). NumPy views may have
    negative strides; make them contiguous before handing them to a library that needs it."""
    if passes not in PASSES:
        raise ValueError(f"passes must be one of {PASSES}, got {passes}")
    rows, cols = axes

    def flip(*dims):
        return lambda a: a.flip(dims) if hasattr(a, "flip") else np.flip(a, dims)

    def same(a):
        return a

    def transpose(a):
        return a.swapaxes(rows, cols)

    views = [(same, same), (flip(cols),) * 2, (flip(rows),) * 2, (flip(rows, cols),) * 2]
    # quarter turns and their mirror images: transpose, then each of the four above
    views += [(lambda a, f=f: f(transpose(a)), lambda r, f=f: transpose(f(r)))
              for f, _ in views]
    return views[:passes]
