"""Per-method summaries of a benchmark run: mean and SD per metric and input kind, pooled
detection scores, and cost."""
from __future__ import annotations

import math

import numpy as np

from ..metrics import detection_scores


def _stats(values) -> dict:
    values = np.asarray([v for v in values if v is not None], np.float64)
    if values.size == 0:
        return {"mean": None, "sd": None, "n": 0}
    return {"mean": float(values.mean()), "sd": float(values.std(ddof=1)) if values.size > 1
            else 0.0, "n": int(values.size)}


def summarise(results: dict) -> dict:
    """{method: {"damaged": {metric: stats}, "clean": {...}, "detection": pooled scores,
    "cost": {"seconds_per_mp", "peak_mb", "runs"}}} from :func:`run_bench`'s output.

    Detection is pooled over all damaged inputs (pixel counts summed, then the ratios), which
    weighs every damaged pixel equally; per-image F1 means are in the "damaged" stats too.
    """
    metrics = list(results["directions"])
    out = {}
    for name, record in results["methods"].items():
        items = record["items"]
        summary = {}
        for kind in ("damaged", "clean"):
            rows = [r for r in items if r["kind"] == kind]
            summary[kind] = {m: _stats(r.get(m) for r in rows) for m in metrics
                             if any(r.get(m) is not None for r in rows)}
        damaged = [r for r in items if r["kind"] == "damaged" and "tp" in r]
        counts = {k: int(sum(r[k] for r in damaged)) for k in ("tp", "fp", "fn")}
        pooled = detection_scores(**counts) if damaged else {}
        summary["detection"] = {**counts, **{k: (None if math.isnan(v) else v)
                                             for k, v in pooled.items()}}
        seconds = sum(r["seconds"] for r in items)
        megapixels = sum(r["megapixels"] for r in items)
        peaks = [r["peak_mb"] for r in items if r["peak_mb"] is not None]
        summary["cost"] = {"seconds_per_mp": seconds / megapixels if megapixels else None,
                           "peak_mb": max(peaks) if peaks else None, "runs": len(items)}
        out[name] = summary
    return out
