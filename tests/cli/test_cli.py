"""The command line on good input: batches, recursion, parallel jobs, JSON, masks, listing."""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

from dustoff.cli.main import main
from dustoff.io import read_scan, to_native, write_image
from helpers import textured, with_specks


def _write_png(path, seed=0):
    damaged, truth = with_specks(textured(seed=seed))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(to_native(damaged, np.uint8)).save(path)
    return truth


def test_recursive_parallel_batch_with_json_summary(tmp_path, capsys):
    for rel in ("a.png", "roll1/b.png", "roll1/deeper/c.png"):
        _write_png(tmp_path / "in" / rel)
    code = main(["restore", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--recursive",
                 "--jobs", "2", "--json", "--save-mask"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] == 3 and summary["failed"] == 0
    for rel in ("a.png", "roll1/b.png", "roll1/deeper/c.png"):
        assert (tmp_path / "out" / rel).exists()
        assert (tmp_path / "out" / rel).with_name((tmp_path / rel).stem + ".mask.png").exists()
    assert all(f["damaged_fraction"] > 0 for f in summary["files"])


def test_folder_without_recursive_skips_sub_folders(tmp_path):
    _write_png(tmp_path / "in" / "a.png")
    _write_png(tmp_path / "in" / "sub" / "b.png")
    assert main(["restore", str(tmp_path / "in"), "-o", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "a.png").exists()
    assert not (tmp_path / "out" / "sub").exists()


def test_detect_writes_a_mask_file(tmp_path):
    truth = _write_png(tmp_path / "scan.png")
    assert main(["detect", str(tmp_path / "scan.png"), "-o", str(tmp_path / "m.png")]) == 0
    mask = read_scan(tmp_path / "m.png")
    assert mask.color.shape[2] == 1 and mask.color.dtype == np.uint8
    assert (mask.color[:, :, 0][truth] == 255).all()


def test_output_format_converts_jpeg_to_lossless_png(tmp_path):
    damaged, _ = with_specks(textured())
    Image.fromarray(to_native(damaged, np.uint8)).save(tmp_path / "p.jpg", quality=92)
    assert main(["restore", str(tmp_path / "p.jpg"), "-o", str(tmp_path / "o"),
                 "--output-format", "png"]) == 0
    assert read_scan(tmp_path / "o" / "p.png").format == "png"


def test_methods_and_version(capsys):
    assert main(["methods"]) == 0
    listing = capsys.readouterr().out
    for name in ("classical", "telea", "ns", "biharmonic"):
        assert name in listing
    try:
        main(["--version"])
    except SystemExit as stop:
        assert stop.code == 0
    assert "dustoff 0." in capsys.readouterr().out


def test_passes_are_for_the_learned_detector(tmp_path, capsys):
    src = tmp_path / "in.png"
    write_image(src, np.random.default_rng(0).random((40, 50, 3)).astype(np.float32))
    assert main(["restore", str(src), "-o", str(tmp_path / "a"), "--passes", "2"]) == 0
    assert (tmp_path / "a" / "in.png").is_file()
    assert main(["restore", str(src), "-o", str(tmp_path / "b"), "--passes", "2",
                 "--detector", "classical"]) == 2
    assert "--passes is for the learned detector" in capsys.readouterr().err


def test_precision_is_for_the_learned_detector(tmp_path, capsys):
    src = tmp_path / "in.png"
    write_image(src, np.random.default_rng(0).random((40, 50, 3)).astype(np.float32))
    for precision in ("float32", "bfloat16"):
        assert main(["detect", str(src), "-o", str(tmp_path / precision),
                     "--precision", precision]) == 0
        assert (tmp_path / precision / "in.mask.png").is_file()
    assert main(["detect", str(src), "-o", str(tmp_path / "c"), "--precision", "float32",
                 "--detector", "classical"]) == 2
    assert "--precision is for the learned detector" in capsys.readouterr().err


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`dustoff methods | head -1`: the pipe closes under us; one quiet exit, not a traceback."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE
    try:
        done = subprocess.run([sys.executable, "-m", "dustoff.cli.main", "methods"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
