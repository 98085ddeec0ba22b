"""`dustoff damage`: synthesise damage on clean images, with ground truth beside each."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..damage import CLASSES, PRESETS, load_config, preset, synthesize
from ..errors import DustoffError
from ..io import read_scan, to_native, write_png8, write_scan
from .batch import collect_inputs


def add_parser(sub) -> None:
    p = sub.add_parser("damage", help="add synthetic damage to clean images",
                       description="Write, per input, the damaged image (same format and bit "
                                   "depth), <name>.mask.png (damage opacity, 255 = opaque), "
                                   "<name>.labels.png (class codes: " + ", ".join(
                                       f"{k} {v}" for k, v in CLASSES.items()) + ") and "
                                   "<name>.damage.json (what was drawn).")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="clean image files or folders")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="OUTDIR")
    p.add_argument("--preset", choices=sorted(PRESETS), default="slide")
    p.add_argument("--level", type=int, choices=(0, 1, 2, 3), default=2,
                   help="amount of damage: 0 none, 1 light, 2 the preset's, 3 heavy")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--config", type=Path, help="JSON file: {\"preset\": ..., overrides}")
    p.add_argument("--recursive", "-r", action="store_true")
    p.add_argument("--overwrite", action="store_true")


def _config(args):
    """The damage configuration asked for; every way it can be wrong is a one-line error."""
    try:
        if args.config:
            return load_config(args.config)
        return preset(args.preset, level=args.level)
    except OSError as exc:
        raise DustoffError(f"{args.config}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:  # unknown preset or parameter, malformed JSON
        raise DustoffError(f"{args.config or args.preset}: {exc}") from None


def run(args) -> int:
    config = _config(args)
    found = collect_inputs(args.inputs, recursive=args.recursive)
    if not found:
        raise DustoffError("no image files found in the given inputs")
    failed = 0
    for index, (src, rel) in enumerate(found):
        try:
            _damage_one(src, args.output / rel, config, seed=args.seed + index,
                        overwrite=args.overwrite)
        except DustoffError as exc:
            failed += 1
            print(f"dustoff: error: {exc}", file=sys.stderr)
    return 1 if failed else 0


def _damage_one(src: Path, dst: Path, config, *, seed: int, overwrite: bool) -> None:
    scan = read_scan(src)
    result = synthesize(scan.color_float(), config, seed=seed)
    dst.parent.mkdir(parents=True, exist_ok=True)
    write_scan(scan.with_color(to_native(result.damaged, scan.color.dtype)), dst,
               overwrite=overwrite)
    stem = dst.with_suffix("")
    write_png8(result.mask, stem.with_name(stem.name + ".mask.png"), overwrite=overwrite)
    write_png8(result.labels, stem.with_name(stem.name + ".labels.png"), overwrite=overwrite)
    record = {"source": str(src), "config": json.loads(config.to_json()), **result.params}
    stem.with_name(stem.name + ".damage.json").write_text(json.dumps(record, indent=1))
