"""``dustoff bench``: every registered method scored the same way on one benchmark.

Protocol (Ivanova et al. 2022, sections 4.1 and 4.3): each method restores every damaged input
and every clean input; predictions are scored against the clean image, so the harm a method
does to undamaged images is measured beside the repair it does to damaged ones.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import DustoffError
from ..restorers import restorers
from .cases import pick, render
from .data import BenchItem, load_items
from .report import write_report
from .run import run_bench
from .summary import summarise

__all__ = ["BenchItem", "benchmark", "load_items", "run_bench", "summarise", "write_report"]


def _previous(out: Path, setup: dict) -> dict:
    """Per-method records of an earlier run in ``out`` with the same ``setup``, else {}."""
    path = out / "results.json"
    if not path.is_file():
        return {}
    try:
        old = json.loads(path.read_text())
        same = all(old["meta"].get(k) == v for k, v in setup.items())
    except (ValueError, KeyError, TypeError):
        raise DustoffError(f"{path}: not a dustoff bench results file")
    if not same:
        raise DustoffError(f"{path}: was made with other data or options; --reuse needs the "
                           "same DATA, --split, --size, --limit and --lpips")
    return old["methods"]


def benchmark(data: str | Path, out: str | Path, methods: list[str], *, split: str = "test",
              size: int | None = None, limit: int | None = None, lpips=("alex", "vgg"),
              cases: int = 3, reuse: bool = False, progress: bool = True) -> dict:
    """Run, summarise and write the report into ``out``; returns
    ``{"results", "summary", "paths"}``.

    With ``reuse``, methods already scored in ``out/results.json`` (same data and options) keep
    their scores and only the others run, so a new model adds its row without re-running all.
    """
    out = Path(out)
    items = load_items(data, split=split, size=size, limit=limit)
    setup = {"data": str(Path(data).resolve()), "split": split, "size": size, "limit": limit,
             "lpips": list(lpips)}
    kept = {m: r for m, r in _previous(out, setup).items() if m in methods} if reuse else {}
    results = run_bench(items, [m for m in methods if m not in kept], lpips=lpips,
                        progress=progress)
    results["methods"] = {m: kept.get(m) or results["methods"][m] for m in methods}
    results["meta"].update(setup, reused=sorted(kept))
    summaries = summarise(results)
    by_id = {i.id: i for i in items}
    grids = []
    if cases > 0:
        for name, record in results["methods"].items():
            method = restorers.create(name)
            for kind, key, best, label in (("damaged", "delta_ssim", True, "best"),
                                           ("damaged", "delta_ssim", False, "worst"),
                                           ("clean", "ssim", False, "worst")):
                rows = pick(record["items"], kind=kind, key=key, count=cases, best=best)
                if rows:
                    path = render(method, rows, by_id, out / "cases" / f"{name}-{kind}-{label}.png",
                                  key=key)
                    grids.append((f"{name}: {label} on {kind} inputs (by {key})", path))
    paths = write_report(results, summaries, out, grids)
    return {"results": results, "summary": summaries, "paths": paths}
