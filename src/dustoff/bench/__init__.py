"""``dustoff bench``: every registered method scored the same way on one benchmark.

Protocol (Ivanova et al. 2022, sections 4.1 and 4.3): each method restores every damaged input
and every clean input; predictions are scored against the clean image, so the harm a method
does to undamaged images is measured beside the repair it does to damaged ones.
"""
from __future__ import annotations

from pathlib import Path

from ..restorers import restorers
from .cases import pick, render
from .data import BenchItem, load_items
from .report import write_report
from .run import run_bench
from .summary import summarise

__all__ = ["BenchItem", "benchmark", "load_items", "run_bench", "summarise", "write_report"]


def benchmark(data: str | Path, out: str | Path, methods: list[str], *, split: str = "test",
              size: int | None = None, limit: int | None = None, lpips=("alex", "vgg"),
              cases: int = 3, progress: bool = True) -> dict:
    """Run, summarise and write the report into ``out``; returns
    ``{"results", "summary", "paths"}``."""
    out = Path(out)
    items = load_items(data, split=split, size=size, limit=limit)
    results = run_bench(items, methods, lpips=lpips, progress=progress)
    results["meta"].update(data=str(data), split=split, size=size, limit=limit)
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
