"""Per-component statistics over sparse label images.

scipy.ndimage's labelled reductions sort every pixel of the image; defects cover a tiny fraction
of it, so reducing over the labelled pixels alone is one to two orders of magnitude faster.
"""
from __future__ import annotations

import numpy as np


def _gather(values: np.ndarray, labels: np.ndarray):
    where = np.flatnonzero(labels.ravel())
    return values.ravel()[where], labels.ravel()[where]


def label_max(values: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Maximum of ``values`` over each label in ``ids`` (float64 (len(ids),); -inf if empty).

    values : float array (H, W); labels : int array (H, W), 0 = background; ids : int array.
    """
    vals, labs = _gather(values, labels)
    out = np.full(int(max(labs.max(initial=0), ids.max(initial=0))) + 1, -np.inf)
    np.maximum.at(out, labs, vals)
    return out[ids]


def label_mean(values: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Mean of ``values`` over each label in ``ids`` (float64; NaN where a label is empty)."""
    vals, labs = _gather(values, labels)
    size = int(max(labs.max(initial=0), ids.max(initial=0))) + 1
    total = np.bincount(labs, weights=vals, minlength=size)
    count = np.bincount(labs, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count)[ids]


def label_area(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Pixel count of each label in ``ids``."""
    labs = labels.ravel()[np.flatnonzero(labels.ravel())]
    size = int(max(labs.max(initial=0), ids.max(initial=0))) + 1
    return np.bincount(labs, minlength=size)[ids]
