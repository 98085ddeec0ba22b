"""The `dustoff` command.

Exit codes: 0 everything done, 1 some files failed (each named on stderr), 2 usage error.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .. import __version__
from ..detect.views import PASSES
from ..errors import DustoffError
from ..pipeline import RestoreOptions, detector_settings
from ..precision import PRECISIONS
from ..registry import detectors, fillers, networks
from . import bench_cmd, damage_cmd, dataset_cmd, train_cmd
from .batch import FileSettings, collect_inputs, plan_jobs, run_batch
from .heap import keep_freed_memory

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for every other usage error
        self.exit(EXIT_USAGE, f"dustoff: error: {message} (see --help)\n")


def _sensitivity(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _detection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--polarity", choices=("dark", "light", "both"), default=None,
                   help="keep only dark damage (slides), light damage (negatives, prints) or "
                        "both (default: both with the learned detector, dark with the "
                        "classical one)")
    p.add_argument("--sensitivity", type=_sensitivity, default=0.5,
                   help="0..1, higher finds fainter damage (default: 0.5)")
    p.add_argument("--detector", default="learned",
                   help="detector name (see `dustoff methods`; default: learned)")
    p.add_argument("--passes", type=int, choices=PASSES, default=1,
                   help="learned detector: average it over this many mirrored and turned views "
                        "(finds more, with fewer false hits; detection takes that many times "
                        "longer; default: 1)")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="learned detector: number format of its network; auto (default) uses "
                        "bfloat16 on CPUs with bfloat16 instructions (faster; a few pixels at "
                        "the threshold can differ from float32)")
    p.add_argument("--max-megapixels", type=float, default=400.0,
                   help="refuse images larger than this before decoding (default: 400)")
    p.add_argument("--infrared", action="store_true",
                   help="the 4th channel of a 4-channel TIFF is infrared (RGBI), not alpha")
    p.add_argument("--recursive", "-r", action="store_true", help="descend into sub-folders")
    p.add_argument("--jobs", "-j", type=int, default=1, help="files processed in parallel")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dustoff", description="Repair dust, hair and scratches on scans.")
    parser.add_argument("--version", action="version", version=f"dustoff {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    restore = sub.add_parser("restore", help="repair damaged images",
                             description="Detect damage (or take --mask), repair it and write "
                                         "images of the same format, bit depth and metadata.")
    restore.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    restore.add_argument("-o", "--output", required=True, type=Path, metavar="OUT",
                         help="output folder (created if needed)")
    restore.add_argument("--save-mask", action="store_true",
                         help="also write the damage mask as OUT/<name>.mask.png")
    restore.add_argument("--mask", type=Path, help="use this mask (file, or folder of masks "
                                                   "named like the inputs) instead of detecting")
    restore.add_argument("--method", default="telea",
                         help="filler, or a whole-image network such as unet-ivanova (see "
                              "`dustoff methods`; default: telea)")
    restore.add_argument("--weights", type=Path, metavar="MODEL_FILE",
                         help="model file for a whole-image network method (default: the "
                              "shipped one)")
    restore.add_argument("--no-grain", action="store_true",
                         help="do not add film grain to filled regions")
    restore.add_argument("--seed", type=int, default=0, help="seed of the grain placement")
    restore.add_argument("--output-format", choices=("png", "jpeg", "tiff"),
                         help="write this format instead of the input's")
    _detection_options(restore)

    detect = sub.add_parser("detect", help="write damage masks only",
                            description="Write the damage mask of each input as an 8-bit PNG "
                                        "(255 = damaged).")
    detect.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    detect.add_argument("-o", "--output", required=True, type=Path, metavar="MASK",
                        help="mask file (one input) or output folder")
    _detection_options(detect)

    damage_cmd.add_parser(sub)
    dataset_cmd.add_parser(sub)
    bench_cmd.add_parser(sub)
    train_cmd.add_parser(sub)
    sub.add_parser("methods", help="list methods, detectors and fillers")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    keep_freed_memory()
    try:
        if args.command == "methods":
            return _methods()
        if args.command == "damage":
            return damage_cmd.run(args)
        if args.command == "dataset":
            return dataset_cmd.run(args)
        if args.command == "bench":
            return bench_cmd.run(args)
        if args.command == "train":
            return train_cmd.run(args)
        return _run(args)
    except DustoffError as exc:
        print(f"dustoff: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("dustoff: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output left early (`dustoff methods | head`)
        _silence_stdout()
        return EXIT_FAILED


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that flushing it at exit does not fail again
    (the Python documentation's recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (tests, notebooks)
        pass


def _methods() -> int:
    from ..models import models
    from ..restorers import restorers

    for title, registry in (("methods (dustoff bench --methods)", restorers),
                            ("detectors (--detector)", detectors), ("fillers (--method)", fillers),
                            ("whole-image networks (--method)", networks),
                            ("trainable models (dustoff train)", models)):
        print(f"{title}:")
        for entry in registry.entries():
            print(f"  {entry.name:15s} {entry.description}")
    return EXIT_OK


def _run(args) -> int:
    is_restore = args.command == "restore"
    options = RestoreOptions(
        method=getattr(args, "method", "telea"), detector=args.detector, polarity=args.polarity,
        sensitivity=args.sensitivity, passes=args.passes, precision=args.precision,
        grain=not getattr(args, "no_grain", False),
        seed=getattr(args, "seed", 0),
        weights=str(args.weights) if getattr(args, "weights", None) else None)
    detectors.create(options.detector)  # unknown names fail here, before any file is read
    try:
        detector_settings(options)
    except ValueError as exc:  # an option of the learned detector given for another one
        raise DustoffError(f"--{exc}") from None
    if is_restore and options.whole_image:
        if args.mask is not None:
            raise DustoffError(f"--mask cannot be used with {options.method}, a whole-image "
                               "network (it finds the damage itself)")
        networks.create(options.method, weights=options.weights)
    elif is_restore:
        if options.weights is not None:
            raise DustoffError("--weights is for whole-image network methods (see "
                               "`dustoff methods`)")
        fillers.create(options.method)
    if args.jobs < 1:
        raise DustoffError(f"--jobs must be at least 1, got {args.jobs}")
    settings = FileSettings(options=options, overwrite=args.overwrite,
                            output_format=getattr(args, "output_format", None),
                            infrared=args.infrared,
                            max_pixels=int(args.max_megapixels * 1e6), repair=is_restore)
    found = collect_inputs(args.inputs, recursive=args.recursive)
    if not found:
        raise DustoffError("no image files found in the given inputs")
    out = args.output
    single_mask_file = not is_restore and len(found) == 1 and out.suffix.lower() in (
        ".png", ".tif", ".tiff")
    out_dir = out.parent if single_mask_file else out
    _prepare_output_folder(out_dir)
    jobs = plan_jobs(found, out_dir, save_mask=not is_restore or args.save_mask,
                     mask=getattr(args, "mask", None), output_format=settings.output_format)
    if single_mask_file:
        jobs[0].mask_out = out
    if is_restore and args.mask is not None and not args.mask.exists():
        raise DustoffError(f"{args.mask}: mask not found")
    results = run_batch(jobs, settings, workers=args.jobs)
    return _report(results, as_json=args.json)


def _prepare_output_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise DustoffError(f"{folder}: output exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DustoffError(f"{folder}: cannot create output folder "
                           f"({exc.strerror or exc})") from None


def _report(results: list[dict], *, as_json: bool) -> int:
    failed = [r for r in results if r["status"] != "ok"]
    for r in failed:
        print(f"dustoff: error: {r['error']}", file=sys.stderr)
    if as_json:
        print(json.dumps({"ok": len(results) - len(failed), "failed": len(failed),
                          "files": results}, indent=1))
    elif len(results) > 1:  # a single file's error line says it all
        print(f"dustoff: {len(results) - len(failed)} of {len(results)} files done"
              + (f", {len(failed)} failed: " + ", ".join(r["input"] for r in failed)
                 if failed else ""), file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
