"""dustoff train: a run folder with checkpoints, log and curve; resume; DDP under torchrun."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from dustoff.cli.main import main
from dustoff.dataset.build import BuildOptions, build
from dustoff.errors import DustoffError
from dustoff.train import load_model, read_metadata, save_model
from dustoff.train import loop as train_loop
from dustoff.train.data import PairDataset
from train.conftest import TINY_DETECTOR, TINY_INPAINTER

ARGS = ["--crop", "32", "--batch", "2", "--quiet", "--seed", "3"]


def _train(data, out, model="dust_detector", config=TINY_DETECTOR, *extra):
    return main(["train", model, "--data", str(data), "-o", str(out), "--epochs", "2",
                 "--config", config, *ARGS, *extra])


def _weights(path):
    model, _ = load_model(path)
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_detector_run_folder(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(tiny_dataset, out) == 0
    assert {"run.json", "last.safetensors", "best.safetensors", "log.csv", "loss.png"} <= {
        p.name for p in out.iterdir()}
    rows = list(csv.DictReader(open(out / "log.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert {"train_loss", "val_loss", "f1", "threshold", "lr"} <= set(rows[0])
    meta = read_metadata(out / "best.safetensors")
    assert meta["model"] == "dust_detector" and meta["config"] == {"widths": [4, 8, 8, 8]}
    assert 0 < meta["info"]["threshold"] < 1
    assert "best epoch" in capsys.readouterr().out
    model, _ = load_model(out / "best.safetensors")
    assert model(torch.rand(1, 3, 37, 53)).shape == (1, 1, 37, 53)


def test_an_existing_run_needs_resume(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(tiny_dataset, out) == 0
    assert _train(tiny_dataset, out) == 2
    assert "--resume" in capsys.readouterr().err


def test_resume_after_interruption_gives_the_same_weights(tiny_dataset, tmp_path, monkeypatch):
    """The interrupted run is copied first and resumed in the copy: the copy is continued and
    the original left as it was."""
    assert _train(tiny_dataset, tmp_path / "straight", "gated_inpainter", TINY_INPAINTER) == 0
    validate = train_loop._validate
    calls = []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return validate(*args)

    monkeypatch.setattr(train_loop, "_validate", interrupted)
    assert _train(tiny_dataset, tmp_path / "cut", "gated_inpainter", TINY_INPAINTER) == 130
    rows = list(csv.DictReader(open(tmp_path / "cut" / "log.csv")))
    assert len(rows) == 1
    monkeypatch.setattr(train_loop, "_validate", validate)
    shutil.copytree(tmp_path / "cut", tmp_path / "copied")
    assert main(["train", "gated_inpainter", "--data", str(tiny_dataset), "-o",
                 str(tmp_path / "copied"), "--resume", "--quiet"]) == 0
    assert len(list(csv.DictReader(open(tmp_path / "cut" / "log.csv")))) == 1
    assert len(list(csv.DictReader(open(tmp_path / "copied" / "log.csv")))) == 2
    straight = _weights(tmp_path / "straight" / "last.safetensors")
    resumed = _weights(tmp_path / "copied" / "last.safetensors")
    for key in straight:
        torch.testing.assert_close(resumed[key], straight[key], rtol=0, atol=1e-6)


def test_two_datasets_train_together(tiny_dataset, tmp_path):
    other = tmp_path / "copy"
    shutil.copytree(tiny_dataset, other)
    out = tmp_path / "run"
    assert main(["train", "dust_detector", "--data", str(tiny_dataset), str(other), "-o",
                 str(out), "--samples", "16", "--config", TINY_DETECTOR, *ARGS]) == 0
    run = json.loads((out / "run.json").read_text())
    assert len(run["data"]) == 2 and run["epochs"] >= 1


def test_a_training_only_build_adds_pairs_but_no_validation(tiny_dataset, tmp_path, capsys):
    extra = tmp_path / "train-only"
    build(tiny_dataset.parent / "photos", extra,
          BuildOptions(sizes=(40,), split=(4, 1, 1), per_image=1, clean_per_split=0,
                       structured_only=True, splits=("train",)), progress=False)
    both = PairDataset([tiny_dataset, extra], "train", crop=32)
    assert len(both) == len(PairDataset(tiny_dataset, "train", crop=32)) + 4
    assert len(PairDataset([tiny_dataset, extra], "val", crop=None)) == \
        len(PairDataset(tiny_dataset, "val", crop=None))
    assert main(["train", "dust_detector", "--data", str(extra), "-o", str(tmp_path / "r"),
                 "--config", TINY_DETECTOR, *ARGS]) == 2
    assert "no val pairs" in capsys.readouterr().err


def test_bad_arguments_give_one_line(tiny_dataset, tmp_path, capsys):
    assert main(["train", "no_such_model", "--data", str(tiny_dataset), "-o",
                 str(tmp_path / "r")]) == 2
    assert main(["train", "dust_detector", "--data", str(tmp_path), "-o",
                 str(tmp_path / "r")]) == 2
    assert main(["train", "dust_detector", "--data", str(tiny_dataset), "-o",
                 str(tmp_path / "r"), "--crop", "512"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and all(line.startswith("dustoff: error:") for line in err)


def test_model_file_round_trip_in_half_precision(tmp_path):
    from dustoff.models import create_model

    model = create_model("gated_inpainter", widths=[4, 8, 8])
    path = save_model(model, tmp_path / "m.safetensors", info={"note": 1}, half=True)
    loaded, info = load_model(path)
    assert info == {"note": 1}
    x, hole = torch.rand(1, 3, 20, 24), (torch.rand(1, 1, 20, 24) > 0.7).float()
    torch.testing.assert_close(loaded(x, hole), model.eval()(x, hole), atol=2e-3, rtol=0)
    (tmp_path / "junk.safetensors").write_bytes(b"not a model")
    with pytest.raises(DustoffError, match="not a readable safetensors"):
        load_model(tmp_path / "junk.safetensors")


def test_torchrun_ddp_with_two_cpu_processes(tiny_dataset, tmp_path):
    out = tmp_path / "ddp"
    dustoff = shutil.which("dustoff") or os.path.join(os.path.dirname(sys.executable), "dustoff")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "--no-python", dustoff, "train", "dust_detector", "--data", str(tiny_dataset), "-o",
         str(out), "--epochs", "2", "--config", TINY_DETECTOR, "--device", "cpu", *ARGS],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    run = json.loads((out / "run.json").read_text())
    assert run["world_size"] == 2
    rows = list(csv.DictReader(open(out / "log.csv")))
    assert len(rows) == 2
    train_pairs = sum(1 for r in json.loads((tiny_dataset / "manifest.json").read_text())["pairs"]
                      if r["split"] == "train")
    # Each process saw half of the pairs per epoch; the samples column counts both.
    assert int(rows[0]["samples"]) == (train_pairs // 2 // 2) * 2 * 2
    assert np.isfinite(float(rows[-1]["val_loss"]))
