"""How much does `restore` touch images that have no damage?

Runs the default pipeline on clean photographs and prints, per image, the fraction of pixels whose
samples changed. Target at the default sensitivity: under 0.05% (5e-4) on every image.

    python benchmarks/clean_change_fraction.py [--photos ../shared/data/photos] [--count 20]

The photos are taken in sorted filename order at an even stride, so the set is fixed.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from dustoff.io import read_scan
from dustoff.pipeline import RestoreOptions, detect_samples, repair_samples

TARGET = 5e-4


def pick_photos(folder: Path, count: int) -> list[Path]:
    photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    if len(photos) < count:
        raise SystemExit(f"{folder}: needs {count} photos, found {len(photos)}")
    stride = len(photos) / count
    return [photos[int(i * stride)] for i in range(count)]


def main(argv=None) -> int:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=here.parent.parent / "shared/data/photos")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--sensitivity", type=float, default=0.5)
    parser.add_argument("--polarity", default="dark")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    options = RestoreOptions(sensitivity=args.sensitivity, polarity=args.polarity)
    rows = []
    print(f"{'photo':48s} {'MP':>5s} {'flagged':>9s} {'changed':>9s}  ok")
    for path in pick_photos(args.photos, args.count):
        scan = read_scan(path)
        start = time.perf_counter()
        mask = detect_samples(scan.color, options)
        restored = repair_samples(scan.color, mask, options)
        seconds = time.perf_counter() - start
        changed = float(np.any(restored != scan.color, axis=2).mean())
        flagged = float((mask >= 0.5).mean())
        rows.append({"photo": path.name, "megapixels": scan.color.shape[0] * scan.color.shape[1]
                     / 1e6, "flagged": flagged, "changed": changed, "seconds": seconds})
        print(f"{path.name[:48]:48s} {rows[-1]['megapixels']:5.2f} {flagged:9.3%} "
              f"{changed:9.3%}  {'yes' if changed < TARGET else 'NO'}")
    changed = np.array([r["changed"] for r in rows])
    print(f"\nmean changed {changed.mean():.4%}, max {changed.max():.4%}, "
          f"{(changed < TARGET).sum()}/{len(rows)} under {TARGET:.2%}")
    if args.json:
        args.json.write_text(json.dumps({"options": vars(options), "rows": rows}, indent=1))
    return 0 if (changed < TARGET).all() else 1


if __name__ == "__main__":
    sys.exit(main())
