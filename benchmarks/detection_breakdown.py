"""Where does the default detector go wrong? A breakdown of its pixel F1 on the benchmark.

    python benchmarks/detection_breakdown.py [DATA] [--split test] [--limit N] [--passes 1]
                                             [--sensitivity 0.5] [--weights FILE]

DATA is a benchmark folder (default: build/devbench/data, made by `make bench-dev`). The damage
is found by the learned detector on each whole input (as `dustoff restore` does for inputs up to
its 1024-px tile) and scored as `dustoff bench` scores it: pixels of opacity >= 0.1 are damage,
counts pooled over the damaged inputs. DATA may be a training build too (its largest size;
``--split train --limit 100``: the first 100 damaged and clean inputs), to compare the figures
on pairs the detector was trained on with those on pairs it was not. Printed as JSON:

- pooled precision, recall and F1 (the benchmark's figures);
- where the false hits lie: on the faint rims of the damage (0 < opacity < 0.1: damaged, but
  below the visible opacity, so scored as false), within one pixel of visible damage, or further;
- F1 if the rims were not scored either way, and if one pixel of edge were forgiven both ways;
- recall per damage type (from the dataset's label masks, where the folder has them) with each
  type's share of the damaged pixels;
- recall by visibility: the damaged pixels binned by how far they are from the clean image
  (largest channel difference, in 8-bit levels), with each bin's share; it tells misses a
  detector could not see from misses it should have found; and the same per damage type;
- how much the missed pixels differ from the clean image (whether what is missed is visible),
  and the five inputs with the most missed pixels, with their share of all the missed ones;
- the F1 of an oracle that knows the clean image and flags every pixel that differs from it by
  at least 4, 8, 12 or 16 levels: how far the ground truth is from what is visible;
- the share of pixels flagged on the clean inputs.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np

from dustoff.bench.data import BenchItem, load_items
from dustoff.damage.config import CLASSES
from dustoff.errors import DustoffError
from dustoff.io import read_image
from dustoff.metrics import VISIBLE_OPACITY, detection_scores
from dustoff.registry import detectors

NEIGHBOURS = np.ones((3, 3), np.uint8)
#: Edges of the visibility bins, in 8-bit levels of |damaged - clean| (largest channel).
VISIBILITY_BINS = (0, 8, 16, 32, 64, 256)
#: The oracle's thresholds on |damaged - clean| (largest channel), in 8-bit levels.
ORACLE_LEVELS = (4, 8, 12, 16)


def _near(mask: np.ndarray) -> np.ndarray:
    """bool (H, W): ``mask`` grown by one pixel (8-neighbourhood)."""
    return cv2.dilate(mask.astype(np.uint8), NEIGHBOURS) > 0


def _labels(item: BenchItem) -> np.ndarray | None:
    """uint8 (H, W) damage-type codes beside a built dataset's mask, or None."""
    path = item.mask.parent.parent / "labels" / item.mask.name
    if not path.is_file():
        return None
    return np.round(read_image(path)[:, :, 0] * 255).astype(np.uint8)


def _scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    return {k: round(v, 4) for k, v in detection_scores(tp, fp, fn).items() if k != "iou"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=Path("build/devbench/data"))
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, help="first N damaged and N clean inputs")
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--sensitivity", type=float, default=0.5)
    parser.add_argument("--weights", help="detector weights (default: the shipped ones)")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.data, split=args.split, limit=args.limit)
        detect = detectors.create("learned", weights=args.weights, passes=args.passes,
                                  sensitivity=args.sensitivity)
    except (DustoffError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    damaged = [i for i in items if i.kind == "damaged" and i.mask is not None]
    if not damaged:
        print(f"{args.data}: no damaged inputs with masks", file=sys.stderr)
        return 1
    n = Counter()
    per_type, per_bin, per_type_bin, missed_diff = Counter(), Counter(), Counter(), []
    missed_by_input = Counter()
    for item in damaged:
        given, clean = read_image(item.source), read_image(item.clean)
        opacity = read_image(item.mask)[:, :, 0]
        found = detect(given) >= 0.5
        truth, rim = opacity >= VISIBLE_OPACITY, (opacity > 0) & (opacity < VISIBLE_OPACITY)
        false, missed = found & ~truth, ~found & truth
        near_truth, near_found = _near(truth), _near(found)
        n.update(tp=np.count_nonzero(found & truth), fp=np.count_nonzero(false),
                 fn=np.count_nonzero(missed), fp_rim=np.count_nonzero(false & rim),
                 fp_edge=np.count_nonzero(false & ~rim & near_truth),
                 fp_near=np.count_nonzero(false & near_truth),
                 fn_near=np.count_nonzero(missed & near_found))
        difference = np.abs(given - clean).max(axis=2) * 255
        for level in ORACLE_LEVELS:
            seen = difference >= level - 0.5
            n.update({f"oracle_tp{level}": np.count_nonzero(seen & truth),
                      f"oracle_fp{level}": np.count_nonzero(seen & ~truth),
                      f"oracle_fn{level}": np.count_nonzero(~seen & truth)})
        missed_diff.append(difference[missed])
        missed_by_input[item.id] = np.count_nonzero(missed)
        for low, high in zip(VISIBILITY_BINS, VISIBILITY_BINS[1:]):
            in_bin = truth & (difference >= low) & (difference < high)
            per_bin[low, "all"] += np.count_nonzero(in_bin)
            per_bin[low, "found"] += np.count_nonzero(in_bin & found)
        labels = _labels(item)
        if labels is not None:
            for code in np.unique(labels[truth]):
                of_type, name = truth & (labels == code), CLASSES.get(int(code), str(code))
                per_type[name, "all"] += np.count_nonzero(of_type)
                per_type[name, "found"] += np.count_nonzero(of_type & found)
                for low, high in zip(VISIBILITY_BINS, VISIBILITY_BINS[1:]):
                    in_bin = of_type & (difference >= low) & (difference < high)
                    per_type_bin[name, low, "all"] += np.count_nonzero(in_bin)
                    per_type_bin[name, low, "found"] += np.count_nonzero(in_bin & found)
    flagged = [float(np.mean(detect(read_image(i.source)) >= 0.5))
               for i in items if i.kind == "clean"]
    missed_diff = np.concatenate(missed_diff) if missed_diff else np.zeros(0)
    total = sum(v for (name, kind), v in per_type.items() if kind == "all")
    report = {
        "damaged_inputs": len(damaged), "clean_inputs": len(flagged),
        "pooled": _scores(n["tp"], n["fp"], n["fn"]),
        "false_hits": {"pixels": int(n["fp"]),
                       "on_faint_rims": round(n["fp_rim"] / max(n["fp"], 1), 3),
                       "within_1px_of_visible_damage": round(n["fp_edge"] / max(n["fp"], 1), 3),
                       "further": round((n["fp"] - n["fp_rim"] - n["fp_edge"])
                                        / max(n["fp"], 1), 3)},
        "f1_rims_not_scored": _scores(n["tp"], n["fp"] - n["fp_rim"], n["fn"])["f1"],
        "f1_forgiving_1px": _scores(n["tp"], n["fp"] - n["fp_near"], n["fn"] - n["fn_near"])["f1"],
        "recall_by_type": {name: {"recall": round(per_type[name, "found"] / v, 3),
                                  "share": round(v / total, 3)}
                           for (name, kind), v in sorted(per_type.items()) if kind == "all"},
        "recall_by_visibility": {
            f"{low}-{high}/255": {
                "recall": round(per_bin[low, "found"] / max(per_bin[low, "all"], 1), 3),
                "share": round(per_bin[low, "all"] / max(n["tp"] + n["fn"], 1), 3)}
            for low, high in zip(VISIBILITY_BINS, VISIBILITY_BINS[1:])},
        "recall_by_type_and_visibility": {
            name: {f"{low}-{high}/255": {
                "recall": round(per_type_bin[name, low, "found"]
                                / max(per_type_bin[name, low, "all"], 1), 3),
                "share": round(per_type_bin[name, low, "all"] / total, 3)}
                for low, high in zip(VISIBILITY_BINS, VISIBILITY_BINS[1:])}
            for (name, kind) in sorted(per_type) if kind == "all"},
        "missed_pixels": {"count": int(missed_diff.size),
                          "median_difference_255": round(float(np.median(missed_diff)), 1)
                          if missed_diff.size else None,
                          "share_below_8_255": round(float(np.mean(missed_diff < 8)), 3)
                          if missed_diff.size else None,
                          "most_missed": [{"input": name, "pixels": int(count),
                                           "share": round(count / max(n["fn"], 1), 3)}
                                          for name, count in missed_by_input.most_common(5)]},
        "oracle_f1_by_difference": {
            f">={level}/255": _scores(n[f"oracle_tp{level}"], n[f"oracle_fp{level}"],
                                      n[f"oracle_fn{level}"])["f1"] for level in ORACLE_LEVELS},
        "clean_inputs_flagged_percent": round(100 * float(np.mean(flagged)), 3) if flagged
        else None,
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
