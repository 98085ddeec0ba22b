"""The command line on good input: batches, recursion, parallel jobs, JSON, masks, listing."""
from __future__ import annotations

import json

import numpy as np
from PIL import Image

from dustoff.cli.main import main
from dustoff.io import read_scan, to_native
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


def test_run_batch_prepares_while_reading_the_first_file(tmp_path):
    """``prepare`` runs once, before any file is processed; the first file is read ahead and
    every file still gets restored; an error from ``prepare`` stops the batch unwritten."""
    import threading

    import pytest

    from dustoff.cli.batch import FileSettings, collect_inputs, plan_jobs, run_batch
    from dustoff.errors import DustoffError
    from dustoff.io import write_image
    from dustoff.pipeline import RestoreOptions

    inputs = []
    for i in range(2):
        inputs.append(tmp_path / f"in{i}.png")
        write_image(inputs[-1], textured(48, 40))
    out = tmp_path / "out"
    out.mkdir()
    settings = FileSettings(options=RestoreOptions(detector="classical"), overwrite=True)
    found = collect_inputs([str(p) for p in inputs], recursive=False)
    jobs = plan_jobs(found, out, save_mask=True, mask=None, output_format=None)
    calls = []
    results = run_batch(jobs, settings, prepare=lambda: calls.append(threading.get_ident()))
    assert calls == [threading.get_ident()]
    assert [r["status"] for r in results] == ["ok", "ok"]
    assert all((out / p.name).exists() for p in inputs)

    def fail():
        raise DustoffError("weights missing")

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    with pytest.raises(DustoffError, match="weights missing"):
        run_batch(plan_jobs(found, fresh, save_mask=True, mask=None, output_format=None),
                  settings, prepare=fail)
    assert list(fresh.iterdir()) == []
