"""Can the detector's logits be turned into a better mask than by the threshold alone?

    python benchmarks/detector_postprocess.py [DATA] [--split val] [--limit N] [--weights FILE]

DATA is a built dataset or benchmark folder (default: /work/train/structured, whose validation
split chose the shipped threshold; its largest size). The shipped detector is run once per
damaged input, and each way of making its mask is scored by pooled pixel F1 against the true
damage (opacity >= 0.1, as `dustoff bench` scores it), at threshold offsets from -3 to +3
logits, so that no way loses only for want of its own threshold:

- ``threshold``: the stored threshold alone (what `dustoff restore` does);
- ``dilate cross`` / ``dilate square``: that mask grown by one pixel (4- or 8-neighbours);
- ``grow above -2`` / ``grow above -4``: grown by one pixel, but only into pixels whose logit
  is within 2 (4) of the threshold;
- ``scales 1+S``: logits averaged with those of the image resized by S (weights 0.5 each, and
  0.75 / 0.25 for ``1+0.5 light``), the latter resized back.

Printed as JSON: per way, F1 at the stored threshold and the best F1 with its offset,
precision and recall (session 21's figures are in docs/BENCHMARKS.md, "What holds F1").
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from dustoff.bench.data import load_items
from dustoff.errors import DustoffError
from dustoff.io import read_image
from dustoff.metrics import VISIBLE_OPACITY
from dustoff.registry import detectors

OFFSETS = np.arange(-3.0, 3.01, 0.5)
CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
SQUARE = np.ones((3, 3), np.uint8)
#: scale -> weight of its logits, per multi-scale way (the full-size logits are scale 1)
SCALES = {"scales 1+0.5 light": {1.0: 0.75, 0.5: 0.25}, "scales 1+0.5": {1.0: 0.5, 0.5: 0.5},
          "scales 1+0.75": {1.0: 0.5, 0.75: 0.5}, "scales 1+1.5": {1.0: 0.5, 1.5: 0.5},
          "scales 1+2": {1.0: 0.5, 2.0: 0.5}}


def _grown(found: np.ndarray, into: np.ndarray | None, kernel: np.ndarray) -> np.ndarray:
    """bool (H, W): ``found`` dilated by ``kernel``, the new pixels limited to ``into``."""
    grown = cv2.dilate(found.view(np.uint8), kernel) > 0
    return grown if into is None else found | (grown & into)


def masks(logits: dict[float, np.ndarray], threshold: float):
    """(way, bool (H, W) mask) for every way at logit ``threshold``; ``logits``: scale ->
    float32 (H, W) logits of the image resized by that scale and resized back."""
    z = logits[1.0]
    found = z >= threshold
    yield "threshold", found
    yield "dilate cross", _grown(found, None, CROSS)
    yield "dilate square", _grown(found, None, SQUARE)
    yield "grow above -2", _grown(found, z >= threshold - 2, SQUARE)
    yield "grow above -4", _grown(found, z >= threshold - 4, SQUARE)
    for way, weights in SCALES.items():
        yield way, sum(w * logits[s] for s, w in weights.items()) >= threshold


def scaled_logits(network, image: np.ndarray) -> dict[float, np.ndarray]:
    """scale -> float32 (H, W) logits of float32 (H, W, 3) ``image`` resized by the scale."""
    import torch

    def run(x):
        tensor = torch.from_numpy(np.ascontiguousarray(x, np.float32))
        with torch.inference_mode():
            return network(tensor.unsqueeze(0).permute(0, 3, 1, 2))[0, 0].numpy()

    h, w = image.shape[:2]
    out = {1.0: run(image)}
    for scale in sorted({s for weights in SCALES.values() for s in weights} - {1.0}):
        size = (max(16, round(w * scale)), max(16, round(h * scale)))
        resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1
                             else cv2.INTER_CUBIC)
        out[scale] = cv2.resize(run(np.clip(resized, 0, 1)), (w, h),
                                interpolation=cv2.INTER_LINEAR)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=Path("/work/train/structured"))
    parser.add_argument("--split", default="val")
    parser.add_argument("--limit", type=int, help="first N damaged inputs")
    parser.add_argument("--weights", help="detector weights (default: the shipped ones)")
    args = parser.parse_args(argv)
    try:
        items = load_items(args.data, split=args.split, limit=args.limit)
        detector = detectors.create("learned", weights=args.weights)
    except DustoffError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    damaged = [i for i in items if i.kind == "damaged" and i.mask is not None]
    if not damaged:
        print(f"{args.data}: no damaged inputs with masks", file=sys.stderr)
        return 1
    base = float(np.log(detector.threshold / (1 - detector.threshold)))
    counts: dict[str, np.ndarray] = {}  # way -> (offsets, 3): true hits, false hits, misses
    for item in damaged:
        image = read_image(item.source)
        image = np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image[:, :, :3]
        truth = read_image(item.mask)[:, :, 0] >= VISIBLE_OPACITY
        logits = scaled_logits(detector.model, image)
        for j, offset in enumerate(OFFSETS):
            for way, found in masks(logits, base + offset):
                c = counts.setdefault(way, np.zeros((len(OFFSETS), 3)))
                c[j] += (np.count_nonzero(found & truth), np.count_nonzero(found & ~truth),
                         np.count_nonzero(~found & truth))
    at_stored = int(np.argmin(np.abs(OFFSETS)))
    report = {"data": str(args.data), "split": args.split, "damaged_inputs": len(damaged),
              "threshold": round(detector.threshold, 4), "ways": {}}
    for way, c in counts.items():
        f1 = 2 * c[:, 0] / np.maximum(2 * c[:, 0] + c[:, 1] + c[:, 2], 1)
        j = int(np.argmax(f1))
        report["ways"][way] = {
            "f1_at_stored_threshold": round(float(f1[at_stored]), 4),
            "best_f1": round(float(f1[j]), 4), "best_offset_logits": float(OFFSETS[j]),
            "precision": round(float(c[j, 0] / max(c[j, 0] + c[j, 1], 1)), 3),
            "recall": round(float(c[j, 0] / max(c[j, 0] + c[j, 2], 1)), 3)}
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
