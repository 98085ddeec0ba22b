"""Run every method on every benchmark input and collect the numbers (no rendering here)."""
from __future__ import annotations

import datetime
import math
import platform

import numpy as np
from tqdm import tqdm

from .. import __version__
from ..errors import DustoffError
from ..io import read_image
from ..restorers import restorers
from .data import BenchItem
from .resources import machine_description, measure
from .score import Scorer, directions


def read_item(item: BenchItem):
    """(given, clean, truth) as float32: (H, W, C), (H, W, C), (H, W) or None."""
    given, clean = read_image(item.source), read_image(item.clean)
    if given.shape != clean.shape:
        raise DustoffError(f"{item.source}: shape {given.shape} differs from its clean image "
                           f"{clean.shape}")
    truth = None
    if item.mask is not None:
        truth = read_image(item.mask)[:, :, 0]
        if truth.shape != given.shape[:2]:
            raise DustoffError(f"{item.mask}: mask size {truth.shape} differs from the image "
                               f"{given.shape[:2]}")
    return given, clean, truth


def _warm_up(method, items: list[BenchItem]) -> None:
    """One untimed call on a small crop, so one-time costs (loading weights, building caches)
    are not charged to the first image."""
    given = read_image(items[0].source)
    method(np.ascontiguousarray(given[:64, :64]))


#: Damaged inputs on which each method is run once more, traced, for its peak memory.
MEMORY_SAMPLES = 3


def run_bench(items: list[BenchItem], method_names: list[str], *, lpips=("alex", "vgg"),
              progress: bool = True) -> dict:
    """Scores of each method on each item; see :mod:`dustoff.bench.report` for the layout.

    Every call is timed; on the first :data:`MEMORY_SAMPLES` inputs a second, traced call
    measures peak memory (``peak_mb``; None on the other inputs). A method that fails on an
    item is recorded under ``errors`` and the run goes on.
    """
    methods = {name: restorers.create(name) for name in method_names}  # unknown names fail here
    scorer = Scorer(lpips if methods else ())
    for method in methods.values():
        _warm_up(method, items)
    descriptions = {e.name: e.description for e in restorers.entries()}
    results = {name: {"description": descriptions[name], "items": []} for name in methods}
    errors = []
    work = items if methods else []
    bar = tqdm(total=len(work) * len(methods), desc="bench", unit="run", disable=not progress)
    for index, item in enumerate(work):
        try:
            given, clean, truth = read_item(item)
        except DustoffError as exc:
            errors.append({"method": None, "id": item.id, "error": str(exc)})
            bar.update(len(methods))
            continue
        item_scorer = scorer.item(given, clean, truth, damaged=item.kind == "damaged")
        megapixels = given.shape[0] * given.shape[1] / 1e6
        for name, method in methods.items():
            bar.set_postfix_str(name)
            try:
                with measure() as usage:
                    out = method(given)
                peak = None
                if index < MEMORY_SAMPLES:
                    with measure(memory=True) as traced:
                        method(given)
                    peak = None if math.isnan(traced.peak_mb) else traced.peak_mb
                scores = item_scorer(np.clip(out.image, 0, 1), out.mask)
            except Exception as exc:  # one broken method must not end the benchmark
                errors.append({"method": name, "id": item.id,
                               "error": f"{exc.__class__.__name__}: {exc}"})
            else:
                results[name]["items"].append({
                    "id": item.id, "kind": item.kind, "megapixels": megapixels,
                    "seconds": usage.seconds, "peak_mb": peak, **scores})
            bar.update(1)
    bar.close()
    meta = {"dustoff": __version__, "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "machine": machine_description(),
            "python": platform.python_version(), "lpips": list(lpips),
            "damaged_inputs": sum(i.kind == "damaged" for i in items),
            "clean_inputs": sum(i.kind == "clean" for i in items)}
    return {"meta": meta, "directions": directions(lpips), "methods": results,
            "errors": errors}
