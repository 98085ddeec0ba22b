"""Pick the radius and threshold of the "ds" baseline on the validation split, not the test split.

    dustoff dataset build ../shared/data/photos build/devbench-val --sizes 512 --split 17:1:2 \
        --per-image 2 --clean-per-split 20 --only-splits val --structured-only --seed 0
    python benchmarks/tune_dust_and_scratches.py [build/devbench-val]

Prints mean SSIM and PSNR on damaged inputs and mean SSIM on clean inputs for each setting; the
registered default is the best damaged-input PSNR with clean-input SSIM above 0.995.
"""
from __future__ import annotations

import itertools
import sys

import numpy as np

from dustoff.bench import load_items
from dustoff.bench.run import read_item
from dustoff.metrics import psnr, ssim
from dustoff.repair.baselines import dust_and_scratches


def main(folder: str = "build/devbench-val") -> None:
    data = [(item.kind, *read_item(item)[:2]) for item in load_items(folder, split="val")]
    print(f"{'radius':>6} {'threshold':>9} {'SSIM dmg':>9} {'PSNR dmg':>9} {'SSIM clean':>10}")
    for radius, threshold in itertools.product((1, 2, 3), (0.04, 0.08, 0.12, 0.2, 0.25, 0.3, 0.4)):
        scores = {"damaged": [], "clean": []}
        for kind, given, clean in data:
            out = dust_and_scratches(given, radius=radius, threshold=threshold)[0]
            scores[kind].append((ssim(out, clean), psnr(out, clean)))
        dmg, cln = np.mean(scores["damaged"], axis=0), np.mean(scores["clean"], axis=0)
        print(f"{radius:6d} {threshold:9.2f} {dmg[0]:9.4f} {dmg[1]:9.2f} {cln[0]:10.4f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
