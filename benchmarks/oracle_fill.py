"""How good is the filling alone? Restore the benchmark's damaged inputs with the TRUE mask.

    python benchmarks/oracle_fill.py [DATA] [--split test] [--fillers telea,ns] [--grow 1 0]

DATA is a benchmark folder (default: build/devbench/data, made by `make bench-dev`). Each damaged
input is repaired by the pipeline's filling (grown mask, feathered, borrowed grain) given its
ground-truth damage (opacity >= 0.1, as the benchmark scores detection), so the PSNR printed is
what the default pipeline would reach with a perfect detector. Doing nothing is printed beside it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from dustoff.bench.data import load_items
from dustoff.io import read_image
from dustoff.metrics import binary_mask, psnr
from dustoff.pipeline import RestoreOptions, repair_samples


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=Path("build/devbench/data"))
    parser.add_argument("--split", default="test")
    parser.add_argument("--fillers", default="telea,ns")
    parser.add_argument("--grow", type=int, nargs="+", default=[1, 0])
    args = parser.parse_args(argv)
    items = [item for item in load_items(args.data, split=args.split)
             if item.kind == "damaged" and item.mask is not None]
    if not items:
        print(f"{args.data}: no damaged inputs with masks", file=sys.stderr)
        return 1
    scores: dict[str, list[float]] = {"identity": []}
    for item in items:
        damaged, clean = read_image(item.source), read_image(item.clean)
        truth = binary_mask(read_image(item.mask)[:, :, 0])
        scores["identity"].append(psnr(damaged, clean))
        for name in args.fillers.split(","):
            for grow in args.grow:
                restored = repair_samples(damaged, truth, RestoreOptions(method=name, grow=grow))
                scores.setdefault(f"{name}, true mask grown {grow} px", []).append(
                    psnr(restored, clean))
    print(json.dumps({"inputs": len(items),
                      "mean_psnr_db": {k: round(float(np.mean(v)), 2)
                                       for k, v in scores.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
