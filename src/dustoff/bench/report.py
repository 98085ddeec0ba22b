"""Write a benchmark report: results.json (every number), report.md and report.html (summary
tables in the layout of Ivanova et al.'s Table 2 and more), histograms and case grids.

Layout of the report folder::

    results.json        meta, per-method summaries and every per-image score
    report.md, .html    the tables, figures and case grids
    figures/*.png       SSIM on damaged and clean inputs, delta-SSIM, per method
    cases/*.png         best and worst cases per method
"""
from __future__ import annotations

import html
import io
import json
from pathlib import Path

import numpy as np

from ..io import write_bytes

#: Column titles of the metrics, in report order.
TITLES = {"psnr": "PSNR dB", "ssim": "SSIM", "ssim5": "SSIM 5x5", "ms_ssim": "MS-SSIM",
          "lpips_alex": "LPIPS alex", "lpips_vgg": "LPIPS vgg", "delta_ssim": "dSSIM",
          "mae_in": "MAE in mask", "mae_out": "MAE outside", "changed_fraction": "changed %",
          "flagged_fraction": "flagged %"}
DAMAGED_COLUMNS = ("psnr", "ssim", "ssim5", "ms_ssim", "lpips_alex", "lpips_vgg", "delta_ssim",
                   "mae_in", "mae_out")
CLEAN_COLUMNS = ("psnr", "ssim", "ms_ssim", "lpips_alex", "lpips_vgg", "changed_fraction")
PERCENT = {"changed_fraction", "flagged_fraction"}


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(text.encode("utf-8"), path)


def _number(metric: str, value) -> str:
    if value is None:
        return "-"
    if metric in PERCENT:
        return f"{100 * value:.3f}"
    if metric == "psnr":
        return f"{value:.2f}"
    return f"{value:.4f}"


def _mean_sd(metric: str, stats: dict | None) -> str:
    if not stats or stats["mean"] is None:
        return "-"
    return f"{_number(metric, stats['mean'])} ± {_number(metric, stats['sd'])}"


def _best(summaries: dict, kind: str, metric: str, direction: int):
    means = {m: s[kind][metric]["mean"] for m, s in summaries.items()
             if metric in s[kind] and s[kind][metric]["mean"] is not None}
    if len(means) < 2:
        return None
    pick = max if direction > 0 else min
    return pick(means, key=means.get)


def tables(results: dict, summaries: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every summary table; the best mean of a column is marked *."""
    directions = results["directions"]
    out = []
    rows = []
    for name, s in summaries.items():
        d, c = s["damaged"].get("ssim"), s["clean"].get("ssim")
        rows.append([name, _number("ssim", d and d["mean"]), _number("ssim", d and d["sd"]),
                     _number("ssim", c and c["mean"]), _number("ssim", c and c["sd"])])
    out.append(("SSIM of predictions (layout of Ivanova et al. 2022, Table 2)",
                ["method", "on damaged: mean", "SD", "on clean: mean", "SD"], rows))
    for kind, columns in (("damaged", DAMAGED_COLUMNS), ("clean", CLEAN_COLUMNS)):
        columns = [m for m in columns if any(m in s[kind] for s in summaries.values())]
        best = {m: _best(summaries, kind, m, directions[m]) for m in columns}
        rows = [[name] + [_mean_sd(m, s[kind].get(m)) + (" *" if best[m] == name else "")
                          for m in columns] for name, s in summaries.items()]
        n = max((s[kind][columns[0]]["n"] for s in summaries.values() if columns
                 and columns[0] in s[kind]), default=0)
        out.append((f"On {kind} inputs (mean ± SD over {n} images)",
                    ["method"] + [TITLES[m] for m in columns], rows))
    rows = []
    for name, s in summaries.items():
        det, f1 = s["detection"], s["damaged"].get("f1")
        rows.append([name] + [_number(k, det.get(k)) for k in ("precision", "recall", "f1", "iou")]
                    + [_mean_sd("f1", f1),
                       _mean_sd("flagged_fraction", s["clean"].get("flagged_fraction"))])
    out.append(("Detection against the true damage (opacity >= 0.1), pixels pooled over the "
                "damaged inputs", ["method", "precision", "recall", "F1", "IoU",
                                   "F1 per image", "flagged % of clean inputs"], rows))
    rows = [[name, _number("psnr", s["cost"]["seconds_per_mp"]),
             _number("psnr", s["cost"]["peak_mb"]), str(s["cost"]["runs"])]
            for name, s in summaries.items()]
    out.append(("Cost on this machine", ["method", "seconds / megapixel",
                                         "peak added memory MiB", "runs"], rows))
    return out


def histograms(results: dict, folder: Path) -> dict[str, Path]:
    """Small-multiple histograms per method; returns {name: path}."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = results["methods"]
    names = list(methods)
    first = methods[names[0]]["items"] if names else []
    inputs = [r["ssim"] - r["delta_ssim"] for r in first
              if r["kind"] == "damaged" and r.get("delta_ssim") is not None]
    figures = {}
    specs = (("ssim-damaged", "damaged", "ssim", "SSIM(restored, clean) on damaged inputs"),
             ("ssim-clean", "clean", "ssim", "SSIM(restored, input) on clean inputs"),
             ("delta-ssim", "damaged", "delta_ssim", "delta-SSIM on damaged inputs"))
    folder.mkdir(parents=True, exist_ok=True)
    for stem, kind, metric, title in specs:
        values = {n: [r[metric] for r in methods[n]["items"]
                      if r["kind"] == kind and r.get(metric) is not None] for n in names}
        pool = [v for vs in values.values() for v in vs] + (inputs if metric == "ssim"
                                                             and kind == "damaged" else [])
        if not pool:
            continue
        lo, hi = min(pool), max(pool)
        bins = np.linspace(lo, hi if hi > lo else lo + 1e-3, 31)
        cols = min(3, len(names))
        rows = -(-len(names) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False,
                                 sharex=True)
        for ax, name in zip(axes.flat, names):
            ax.hist(values[name], bins=bins, color="tab:blue", alpha=0.8, label="restored")
            if metric == "ssim" and kind == "damaged" and inputs:
                ax.hist(inputs, bins=bins, histtype="step", color="k", lw=1.0,
                        label="damaged input")
                ax.legend(fontsize=7, loc="upper left")
            if metric == "delta_ssim":
                ax.axvline(0, color="k", lw=0.8)
            ax.set_title(name, fontsize=10)
            ax.tick_params(labelsize=8)
        for ax in list(axes.flat)[len(names):]:
            ax.axis("off")
        fig.suptitle(title, fontsize=11)
        fig.tight_layout()
        path = folder / f"{stem}.png"
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        write_bytes(buffer.getvalue(), path)
        plt.close(fig)
        figures[stem] = path
    return figures


def _markdown(meta, table_list, figures, cases, root: Path) -> str:
    lines = ["# dustoff benchmark", "",
             f"{meta['damaged_inputs']} damaged and {meta['clean_inputs']} clean inputs from "
             f"`{meta.get('data', '?')}`; dustoff {meta['dustoff']}, {meta['machine']}, "
             f"{meta['date']}. LPIPS networks: {', '.join(meta['lpips']) or 'none'}.", ""]
    for title, header, rows in table_list:
        lines += [f"## {title}", "", "| " + " | ".join(header) + " |",
                  "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines.append("")
    lines += ["`*` marks the best mean of a column. dSSIM = SSIM(restored, clean) - "
              "SSIM(damaged, clean). MAE values are in [0, 1] units.", "", "## Distributions", ""]
    lines += [f"![{k}]({p.relative_to(root)})" for k, p in figures.items()]
    lines += ["", "## Cases", "", "Columns: " + " | ".join(
        ["input", "restored", "clean", "error x4",
         "true damage treated (green) / missed (red) / treated but clean (yellow)"]), ""]
    for title, path in cases:
        lines += [f"### {title}", "", f"![{title}]({path.relative_to(root)})", ""]
    return "\n".join(lines) + "\n"


def _html(meta, table_list, figures, cases, root: Path) -> str:
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>dustoff benchmark</title>",
             "<style>body{font-family:sans-serif;margin:2em;max-width:1400px}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:right}td:first-child{text-align:left}"
             "img{max-width:100%}</style></head><body>",
             "<h1>dustoff benchmark</h1>",
             f"<p>{meta['damaged_inputs']} damaged and {meta['clean_inputs']} clean inputs from "
             f"<code>{e(str(meta.get('data', '?')))}</code>; dustoff {e(meta['dustoff'])}, "
             f"{e(meta['machine'])}, {e(meta['date'])}.</p>"]
    for title, header, rows in table_list:
        parts.append(f"<h2>{e(title)}</h2><table><tr>"
                     + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr>")
        for r in rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>")
        parts.append("</table>")
    parts.append("<p>* marks the best mean of a column.</p><h2>Distributions</h2>")
    parts += [f"<img src='{e(str(p.relative_to(root)))}' alt='{e(k)}'>" for k, p in
              figures.items()]
    parts.append("<h2>Cases</h2><p>input | restored | clean | error x4 | true damage treated "
                 "(green), missed (red), treated but clean (yellow)</p>")
    for title, path in cases:
        parts.append(f"<h3>{e(title)}</h3><img src='{e(str(path.relative_to(root)))}'>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(results: dict, summaries: dict, folder: Path,
                 cases: list[tuple[str, Path]]) -> dict[str, Path]:
    """Write results.json, report.md, report.html and the figures; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = histograms(results, folder / "figures")
    table_list = tables(results, summaries)
    document = {"meta": results["meta"], "summary": summaries, "errors": results["errors"],
                "methods": results["methods"]}
    paths = {"json": folder / "results.json", "md": folder / "report.md",
             "html": folder / "report.html"}
    write_text(paths["json"], json.dumps(document, indent=1, allow_nan=False))
    write_text(paths["md"], _markdown(results["meta"], table_list, figures, cases, folder))
    write_text(paths["html"], _html(results["meta"], table_list, figures, cases, folder))
    return paths
