"""Is ONNX Runtime faster than PyTorch for the shipped detector on this CPU?

    pip install onnxruntime onnx onnxscript   # not dustoff dependencies
    python benchmarks/onnx_vs_torch.py [--size 1024] [--threads 2]

Exports the shipped ``dust_detector`` (batch norms folded) to ONNX at a fixed input size, runs
both engines on the same random image, checks they agree and prints seconds per megapixel:
PyTorch in the default (NCHW) memory format and channels-last, the way dustoff runs it.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch


def _best_of(fn, repeats: int = 3) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        import onnxruntime as ort
    except ImportError:
        print("onnxruntime is not installed (see the docstring)", file=sys.stderr)
        return 2
    from dustoff.weights import load, packaged

    torch.set_num_threads(args.threads)
    model, _ = load(str(packaged("dust_detector")))
    x = torch.rand(1, 3, args.size, args.size)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "detector.onnx"
        torch.onnx.export(model, (x,), str(path), input_names=["image"],
                          output_names=["logits"], dynamo=True)
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        with torch.inference_mode():
            expected = model(x).numpy()
            torch_s = _best_of(lambda: model(x))
            model.to(memory_format=torch.channels_last)
            x_last = x.contiguous(memory_format=torch.channels_last)
            last_s = _best_of(lambda: model(x_last))
            last_difference = float(np.abs(model(x_last).numpy() - expected).max())
        got = session.run(None, {"image": x.numpy()})[0]
        ort_s = _best_of(lambda: session.run(None, {"image": x.numpy()}))
    mp = args.size ** 2 / 1e6
    print(json.dumps({"size": args.size, "threads": args.threads,
                      "max_abs_difference": float(np.abs(got - expected).max()),
                      "torch_s_per_mp": round(torch_s / mp, 3),
                      "torch_channels_last_s_per_mp": round(last_s / mp, 3),
                      "channels_last_max_abs_difference": last_difference,
                      "onnxruntime_s_per_mp": round(ort_s / mp, 3),
                      "onnxruntime": ort.__version__, "torch": torch.__version__}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
