"""Scores that use the damage mask: error inside and outside it, and detection quality.

Masks are (H, W) arrays: bool, or float in [0, 1] (the damage opacity written by
``dustoff damage``), turned into bool with :func:`binary_mask`.
"""
from __future__ import annotations

import math

import numpy as np

#: Opacity from which ground-truth damage counts as visible (fainter edges are invisible on
#: 8-bit output and no detector should be blamed for missing them).
VISIBLE_OPACITY = 0.1


def binary_mask(mask, *, threshold: float = VISIBLE_OPACITY) -> np.ndarray:
    """bool (H, W): ``mask`` itself if bool, else ``mask >= threshold``."""
    mask = np.asarray(mask)
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[:, :, 0]
    if mask.ndim != 2:
        raise ValueError(f"mask must have shape (H, W), got {mask.shape}")
    return mask if mask.dtype == bool else mask >= threshold


def masked_error(restored, clean, mask) -> dict[str, float]:
    """Mean absolute and root-mean-square error inside and outside the damage mask.

    Parameters
    ----------
    restored, clean : ndarray, float, shape (H, W) or (H, W, C), values in [0, 1]
    mask : ndarray (H, W), bool or float opacity (see :func:`binary_mask`)

    Returns
    -------
    dict with ``mae_in``, ``rmse_in``, ``mae_out``, ``rmse_out`` (floats in [0, 1]) and
    ``masked_fraction``; an empty side gives NaN for its errors.
    """
    restored, clean = np.asarray(restored, np.float64), np.asarray(clean, np.float64)
    if restored.shape != clean.shape:
        raise ValueError(f"images must have the same shape, got {restored.shape} and "
                         f"{clean.shape}")
    inside = binary_mask(mask)
    if inside.shape != restored.shape[:2]:
        raise ValueError(f"mask must have shape {restored.shape[:2]}, got {inside.shape}")
    diff = restored - clean
    if diff.ndim == 3:
        diff = diff.reshape(-1, diff.shape[2])
        inside_flat = inside.reshape(-1)
    else:
        diff, inside_flat = diff.reshape(-1, 1), inside.reshape(-1)
    result = {"masked_fraction": float(inside.mean())}
    for side, rows in (("in", diff[inside_flat]), ("out", diff[~inside_flat])):
        if rows.size == 0:
            result[f"mae_{side}"] = result[f"rmse_{side}"] = math.nan
        else:
            result[f"mae_{side}"] = float(np.abs(rows).mean())
            result[f"rmse_{side}"] = float(np.sqrt((rows ** 2).mean()))
    return result


def detection_counts(predicted, truth) -> dict[str, int]:
    """Pixel counts ``tp``, ``fp``, ``fn`` of a predicted damage mask against the truth."""
    predicted, truth = binary_mask(predicted), binary_mask(truth)
    if predicted.shape != truth.shape:
        raise ValueError(f"masks must have the same shape, got {predicted.shape} and "
                         f"{truth.shape}")
    return {"tp": int(np.count_nonzero(predicted & truth)),
            "fp": int(np.count_nonzero(predicted & ~truth)),
            "fn": int(np.count_nonzero(~predicted & truth))}


def detection_scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall, F1 and IoU from pixel counts.

    Undefined ratios (nothing predicted, nothing to find) are NaN, except that a prediction
    with nothing predicted and nothing to find scores 1 on F1 and IoU: it is exactly right.

    Examples
    --------
    >>> detection_scores(tp=3, fp=1, fn=2)["f1"]
    0.6666666666666666
    """
    def ratio(num, den):
        return num / den if den else math.nan

    if tp + fp + fn == 0:
        return {"precision": math.nan, "recall": math.nan, "f1": 1.0, "iou": 1.0}
    return {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn),
            "f1": 2 * tp / (2 * tp + fp + fn), "iou": tp / (tp + fp + fn)}


def detection_quality(predicted, truth) -> dict[str, float]:
    """:func:`detection_counts` and :func:`detection_scores` of one image, in one dict."""
    counts = detection_counts(predicted, truth)
    return {**counts, **detection_scores(**counts)}
