"""Ivanova et al.'s Table 2 layout from a `dustoff bench` report: mean and standard deviation of
SSIM on damaged inputs and on clean inputs, per method, plus PSNR and LPIPS means.

    python benchmarks/table2.py build/devbench/report/results.json [--methods a,b,c]

Prints a Markdown table (the paper's figures for its test set are in docs/BENCHMARKS.md).
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np


def rows(results: dict, methods: list[str]) -> list[list[str]]:
    out = []
    for name in methods:
        items = results["methods"][name]["items"]
        by_kind = {kind: [i for i in items if i["kind"] == kind] for kind in ("damaged", "clean")}
        damaged, clean = (np.array([i["ssim"] for i in by_kind[k]]) for k in ("damaged", "clean"))
        psnr = np.mean([i["psnr"] for i in by_kind["damaged"]])
        lpips = np.mean([i["lpips_vgg"] for i in by_kind["damaged"]
                         if i.get("lpips_vgg") is not None] or [np.nan])
        out.append([name, f"{damaged.mean():.4f}", f"{damaged.std(ddof=1):.4f}", f"{clean.mean():.4f}",
                    f"{clean.std(ddof=1):.4f}", f"{psnr:.2f}", f"{lpips:.3f}"])
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results")
    p.add_argument("--methods", help="comma-separated (default: all in the report)")
    args = p.parse_args(argv)
    results = json.loads(open(args.results).read())
    methods = args.methods.split(",") if args.methods else sorted(results["methods"])
    header = ["method", "SSIM damaged mean", "SD", "SSIM clean mean", "SD", "PSNR damaged",
              "LPIPS-vgg damaged"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows(results, methods):
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
