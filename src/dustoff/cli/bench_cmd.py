"""`dustoff bench DATA --methods a,b,c -o REPORT`."""
from __future__ import annotations

from pathlib import Path

from ..errors import DustoffError

LPIPS_NETS = ("alex", "vgg")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "bench", help="score methods side by side on a benchmark",
        description="Run each method on every damaged and every clean input of DATA (a dataset "
                    "from `dustoff dataset build`, or a folder with clean/, damaged/ and mask/) "
                    "and write report.md, report.html, results.json, figures and case grids.")
    p.add_argument("data", type=Path, metavar="DATA")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT_DIR")
    p.add_argument("--methods", default=None,
                   help="comma-separated method names (default: all; see `dustoff methods`); "
                        "LABEL@MODEL_FILE benchmarks a whole-image model file under LABEL")
    p.add_argument("--split", default="test", help="split of a built dataset (default: test)")
    p.add_argument("--size", type=int, help="image size of a built dataset (default: largest)")
    p.add_argument("--limit", type=int, help="first N damaged and N clean inputs only")
    p.add_argument("--lpips", default="alex,vgg",
                   help="LPIPS networks: alex, vgg, both (default) or none")
    p.add_argument("--reuse", action="store_true",
                   help="keep the scores of methods already in REPORT_DIR/results.json (same "
                        "data and options) and run only the others")
    p.add_argument("--cases", type=int, default=3,
                   help="best and worst cases shown per method (default: 3; 0: none)")


def _lpips(text: str) -> tuple[str, ...]:
    if text.strip().lower() == "none":
        return ()
    nets = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in nets if n not in LPIPS_NETS]
    if unknown:
        raise DustoffError(f"--lpips: unknown network {unknown[0]!r}; choose alex, vgg or none")
    if nets:
        try:
            import torch  # noqa: F401
        except ImportError:
            raise DustoffError("--lpips needs PyTorch (pip install 'dustoff[ml]') or "
                               "--lpips none")
    return nets


def run(args) -> int:
    from ..bench import benchmark
    from ..restorers import restorers

    methods = args.methods.split(",") if args.methods else restorers.names()
    methods = [m.strip() for m in methods if m.strip()]
    for index, token in enumerate(methods):
        if "@" in token:
            from ..restorers import register_model_file

            label, path = token.split("@", 1)
            if label in restorers.names():
                raise DustoffError(f"{label}: already a method name; pick another label")
            if not Path(path).is_file():
                raise DustoffError(f"{path}: model file not found")
            register_model_file(label, path)
            methods[index] = label
    for name in methods:
        restorers.create(name)
    if args.limit is not None and args.limit < 1:
        raise DustoffError(f"--limit must be at least 1, got {args.limit}")
    report = benchmark(args.data, args.output, methods, split=args.split, size=args.size,
                       limit=args.limit, lpips=_lpips(args.lpips), cases=args.cases,
                       reuse=args.reuse)
    from ..bench.report import tables
    for title, header, rows in tables(report["results"], report["summary"])[:2]:
        print(title)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        for line in [header, *rows]:
            print("  " + "  ".join(str(c).ljust(w) for c, w in zip(line, widths)))
    errors = report["results"]["errors"]
    for e in errors:
        print(f"dustoff: failed: {e['method'] or 'reading'} on {e['id']}: {e['error']}")
    print(f"wrote {report['paths']['md']}, {report['paths']['html']} and "
          f"{report['paths']['json']}")
    return 1 if errors else 0
