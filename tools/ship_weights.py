"""Copy the best checkpoint of a training run into the package as float16 safetensors.

    python tools/ship_weights.py RUN_DIR NAME [--float32]

Writes src/dustoff/weights/NAME.safetensors whose metadata carries the validation figures of the
best epoch (for detectors, the operating threshold), the run's options and the training time, so
the file documents how it was made. Prints the file size. RUN_DIR may also be the output of a
multi-phase recipe (tools/train_perceptual_unet.py: a schedule.json beside one run folder per
phase; its last phase is shipped, with every phase's record) or a weight average
(tools/average_weights.py: an average.json; shipped with every source's record).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dustoff.train import load_model, save_model
from dustoff.train.checkpoint import run_record
from dustoff.weights import packaged


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("name")
    parser.add_argument("--float32", action="store_true", help="keep float32 weights")
    args = parser.parse_args(argv)
    model, info = _trained(args.run)
    path = save_model(model, packaged(args.name), info=info, half=not args.float32)
    print(f"{path}: {path.stat().st_size / 1e6:.2f} MB")
    return 0


def _trained(run_dir: Path):
    """A training run (or a recipe's last phase, or a weight average): its best model, with
    the run's record (``run_record``: for an average, every source's)."""
    schedule = None
    if (run_dir / "schedule.json").is_file():
        schedule = json.loads((run_dir / "schedule.json").read_text())
        run_dir = run_dir / schedule["phases"][-1]["phase"]
    model, info = load_model(run_dir / "best.safetensors")
    info = {**info, "training": run_record(run_dir)}
    if schedule is not None:
        info["training"]["schedule"] = schedule
        info["training"]["seconds"] = round(sum(p["seconds"] for p in schedule["phases"]))
    info.pop("run", None)
    return model, info


if __name__ == "__main__":
    sys.exit(main())
