"""Weight averaging of training runs (tools/average_weights.py) and validation outside training."""
from __future__ import annotations

import csv
import json
import runpy
import shutil
from pathlib import Path

import pytest
import torch

from dustoff.cli.main import main
from dustoff.errors import DustoffError
from dustoff.train import load_model, read_metadata
from dustoff.train.average import average_models
from dustoff.train.loop import validate
from train.conftest import TINY_DETECTOR, TINY_INPAINTER

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _ship(run, target: Path) -> Path:
    """tools/ship_weights.py run on ``run`` as the detector, writing ``target`` instead of the
    package's file; returns ``target``."""
    ship = runpy.run_path(str(TOOLS / "ship_weights.py"))["main"]
    ship.__globals__["packaged"] = lambda name: target
    assert ship([str(run), "dust_detector"]) == 0
    return target


def _run(data, out, seed, model="dust_detector", config=TINY_DETECTOR):
    assert main(["train", model, "--data", str(data), "-o", str(out), "--epochs", "2",
                 "--config", config, "--crop", "32", "--batch", "2", "--quiet",
                 "--seed", str(seed)]) == 0
    return out


@pytest.fixture(scope="module")
def two_runs(tiny_dataset, tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return _run(tiny_dataset, root / "a", 1), _run(tiny_dataset, root / "b", 2)


def test_validate_scores_a_model_as_its_training_epoch_did(tiny_dataset, two_runs):
    run = two_runs[0]
    best = read_metadata(run / "best.safetensors")["info"]
    logged = [r for r in csv.DictReader(open(run / "log.csv")) if int(r["epoch"]) == best["epoch"]]
    figures = validate(load_model(run / "best.safetensors")[0], [str(tiny_dataset)])
    assert figures["threshold"] == pytest.approx(float(logged[0]["threshold"]))
    assert figures["f1"] == pytest.approx(float(logged[0]["f1"]), abs=1e-6)


def test_average_is_the_mean_of_the_weights(two_runs):
    a, b = (load_model(run / "best.safetensors")[0].state_dict() for run in two_runs)
    mean = average_models([run / "best.safetensors" for run in two_runs]).state_dict()
    for key in (k for k in a if a[k].is_floating_point()):
        assert torch.allclose(mean[key], (a[key] + b[key]) / 2, atol=1e-7), key
    assert not torch.equal(a["head.0.weight"], b["head.0.weight"])  # the runs did differ


def test_different_networks_cannot_be_averaged(tiny_dataset, two_runs, tmp_path):
    other = _run(tiny_dataset, tmp_path / "fill", 1, "gated_inpainter", TINY_INPAINTER)
    with pytest.raises(DustoffError, match="cannot be averaged"):
        average_models([two_runs[0] / "best.safetensors", other / "best.safetensors"])
    with pytest.raises(DustoffError, match="at least two"):
        average_models([two_runs[0] / "best.safetensors"])


def test_average_tool_writes_a_run_that_ships_with_every_source(tiny_dataset, two_runs,
                                                                 tmp_path):
    out = tmp_path / "soup"
    average = runpy.run_path(str(TOOLS / "average_weights.py"))
    assert average["main"]([str(out), *map(str, two_runs), "--data", str(tiny_dataset)]) == 0
    info = read_metadata(out / "best.safetensors")["info"]
    assert 0 < info["threshold"] < 1 and info["average_of"] == [str(r) for r in two_runs]
    record = json.loads((out / "average.json").read_text())
    assert [s["run"] for s in record["sources"]] == [str(r) for r in two_runs]

    target = _ship(out, tmp_path / "shipped.safetensors")
    shipped = read_metadata(target)["info"]
    assert shipped["threshold"] == info["threshold"]
    assert [s["options"]["seed"] for s in shipped["training"]["average_of"]] == [1, 2]
    model, _ = load_model(target)
    assert model(torch.rand(1, 3, 24, 24)).shape == (1, 1, 24, 24)


def test_an_average_can_be_averaged_again_and_a_missing_run_is_one_line(tiny_dataset, two_runs,
                                                                        tmp_path, capsys):
    average = runpy.run_path(str(TOOLS / "average_weights.py"))["main"]
    first, second = tmp_path / "soup", tmp_path / "soup2"
    assert average([str(first), *map(str, two_runs), "--data", str(tiny_dataset)]) == 0
    assert average([str(second), str(first), str(two_runs[0]),
                    "--data", str(tiny_dataset)]) == 0
    nested = json.loads((second / "average.json").read_text())["sources"][0]
    assert [s["run"] for s in nested["average_of"]] == [str(r) for r in two_runs]
    assert nested["seconds"] == sum(s["seconds"] for s in nested["average_of"])
    target = _ship(second, tmp_path / "shipped.safetensors")
    assert read_metadata(target)["info"]["training"]["average_of"][0]["average_of"]
    capsys.readouterr()
    assert average([str(tmp_path / "soup3"), str(first), str(tmp_path / "missing"),
                    "--data", str(tiny_dataset)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "missing" in error and error.count("\n") == 1
    assert not (tmp_path / "soup3").exists()


def test_average_tool_refuses_a_source_without_a_validation_record(tiny_dataset, two_runs,
                                                                   tmp_path, capsys):
    # a resume checkpoint (last.safetensors) copied in as best carries no validation figures
    bare = tmp_path / "bare"
    shutil.copytree(two_runs[1], bare)
    shutil.copy(bare / "last.safetensors", bare / "best.safetensors")
    average = runpy.run_path(str(TOOLS / "average_weights.py"))
    code = average["main"]([str(tmp_path / "soup"), str(two_runs[0]), str(bare),
                            "--data", str(tiny_dataset)])
    assert code == 2
    assert "no validation record" in capsys.readouterr().err
    assert not (tmp_path / "soup").exists()


def test_a_shipped_file_can_be_averaged_with_a_run_and_keeps_its_record(tiny_dataset, two_runs,
                                                                        tmp_path, capsys):
    shipped = _ship(two_runs[0], tmp_path / "shipped.safetensors")
    average = runpy.run_path(str(TOOLS / "average_weights.py"))["main"]
    out = tmp_path / "soup"
    assert average([str(out), str(shipped), str(two_runs[1]), "--data", str(tiny_dataset)]) == 0
    sources = json.loads((out / "average.json").read_text())["sources"]
    assert sources[0]["run"] == str(shipped) and sources[0]["options"]["seed"] == 1
    assert sources[0]["best"]["threshold"] == read_metadata(shipped)["info"]["threshold"]
    assert "training" not in sources[0]["best"] and sources[1]["options"]["seed"] == 2

    bare = tmp_path / "bare.safetensors"
    shutil.copy(two_runs[0] / "best.safetensors", bare)
    capsys.readouterr()
    assert average([str(tmp_path / "soup2"), str(bare), str(two_runs[1]),
                    "--data", str(tiny_dataset)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "no training record" in error
    assert error.count("\n") == 1 and not (tmp_path / "soup2").exists()
