"""Average the best models of several training runs into a new run folder, ready to ship.

    python tools/average_weights.py OUT_DIR SOURCE SOURCE... --data DATASET... [--val-limit N]

A SOURCE is a training-run folder (its best.safetensors), an earlier average's folder, or a file
shipped by tools/ship_weights.py (such as src/dustoff/weights/dust_detector.safetensors, whose
metadata carries its run's record). Writes OUT_DIR/best.safetensors (the mean of the sources'
weights, scored on the validation pairs of --data exactly as training scores an epoch, so a
detector gets its own operating threshold) and OUT_DIR/average.json (the sources, each with its
training record, and the validation figures). ``python tools/ship_weights.py OUT_DIR NAME``
then packages it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dustoff.errors import DustoffError
from dustoff.train import read_metadata, save_model
from dustoff.train.average import average_models
from dustoff.train.checkpoint import run_record
from dustoff.train.loop import validate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--data", nargs="+", required=True, help="datasets to validate on")
    parser.add_argument("--val-limit", type=int, default=200)
    args = parser.parse_args(argv)
    try:
        # the records first: a source folder that lacks a file fails before the validation
        sources = [_training_record(run) for run in args.runs]
        model = average_models([_model_file(run) for run in args.runs])
        figures = validate(model, args.data, limit=args.val_limit)
    except DustoffError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    save_model(model, args.out / "best.safetensors",
               info={**figures, "average_of": [str(run) for run in args.runs]})
    record = {"sources": sources, "data": args.data, "val_limit": args.val_limit,
              "figures": figures}
    (args.out / "average.json").write_text(json.dumps(record, indent=1))
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))
    return 0


def _model_file(source: Path) -> Path:
    """The weights file of a source: the file itself, or a run folder's best.safetensors."""
    return source if source.suffix == ".safetensors" else source / "best.safetensors"


def _training_record(run: Path) -> dict:
    """What a source run was: its options, epochs, training time and best epoch's figures; for
    a source that is itself an average, its own sources' records; for a shipped file, the run
    record its metadata carries."""
    path = _model_file(run)
    best = read_metadata(path).get("info")
    if best is None:
        raise DustoffError(f"{path}: no validation record (not a best checkpoint written by "
                           "dustoff train or this tool)")
    if path != run:
        return {"run": str(run), **run_record(run), "best": best}
    if "training" not in best:
        raise DustoffError(f"{run}: no training record (not a file shipped by "
                           "tools/ship_weights.py)")
    record = best.pop("training")
    return {"run": str(run), **record, "best": best}


if __name__ == "__main__":
    sys.exit(main())
