"""`dustoff dataset build|preview`."""
from __future__ import annotations

from pathlib import Path

from ..damage import PRESETS
from ..dataset import BuildOptions, build, preview
from ..errors import DustoffError


def _ratio(text: str) -> tuple[int, int, int]:
    parts = text.split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or sum(map(int, parts)) == 0:
        raise DustoffError(f"--split must look like 8:1:1, got {text!r}")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def add_parser(sub) -> None:
    p = sub.add_parser("dataset", help="build paired datasets and preview them")
    actions = p.add_subparsers(dest="action", required=True, parser_class=type(p))
    b = actions.add_parser("build", help="damaged/clean/mask pairs from clean photos")
    b.add_argument("clean_dir", type=Path, metavar="CLEAN_DIR")
    b.add_argument("output", type=Path, metavar="OUT")
    b.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256])
    b.add_argument("--split", default="8:1:1", help="train:val:test ratio over source photos")
    b.add_argument("--per-image", type=int, default=2, help="damaged crops per photo and size")
    b.add_argument("--preset", nargs="+", choices=sorted(PRESETS), default=list(PRESETS),
                   help="presets cycled over the crops (default: all)")
    b.add_argument("--clean-per-split", type=int, default=8,
                   help="undamaged items per split and size")
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--structured-only", action="store_true",
                   help="no unstructured degradations (noise, blur, fading, JPEG...): damaged "
                        "and clean differ only inside the mask (benchmarks of detect-and-fill)")
    b.add_argument("--only-splits", nargs="+", choices=("train", "val", "test"),
                   default=["train", "val", "test"],
                   help="make items for these splits only (photo assignment is unchanged)")
    v = actions.add_parser("preview", help="contact sheet of damaged / clean / mask")
    v.add_argument("dataset", type=Path, metavar="OUT")
    v.add_argument("-o", "--output", type=Path, required=True, metavar="SHEET")
    v.add_argument("--rows", type=int, default=8)
    v.add_argument("--preset", choices=sorted(PRESETS))
    v.add_argument("--size", type=int)
    v.add_argument("--seed", type=int, default=0)


def run(args) -> int:
    if args.action == "build":
        if not args.clean_dir.is_dir():
            raise DustoffError(f"{args.clean_dir}: not a folder")
        options = BuildOptions(sizes=tuple(args.sizes), split=_ratio(args.split),
                               per_image=args.per_image, presets=tuple(args.preset),
                               clean_per_split=args.clean_per_split, seed=args.seed,
                               structured_only=args.structured_only,
                               splits=tuple(args.only_splits))
        summary = build(args.clean_dir, args.output, options)
        for key, counts in summary.items():
            print(f"{key:12s} {counts['damaged']:6d} damaged  {counts['clean']:4d} clean")
        return 0
    preview(args.dataset, args.output, rows=args.rows, preset=args.preset, size=args.size,
            seed=args.seed)
    print(f"wrote {args.output}")
    return 0
