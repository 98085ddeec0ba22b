"""benchmarks/detector_postprocess.py scores its threshold-only way as the breakdown does."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).parents[2] / "benchmarks"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def postprocess():
    return _script("detector_postprocess")


def test_threshold_way_matches_the_breakdown(tiny_dataset, postprocess, capsys):
    assert postprocess.main([str(tiny_dataset), "--split", "test"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert _script("detection_breakdown").main([str(tiny_dataset), "--split", "test"]) == 0
    breakdown = json.loads(capsys.readouterr().out)
    assert report["damaged_inputs"] == breakdown["damaged_inputs"]
    ways = report["ways"]
    assert ways["threshold"]["f1_at_stored_threshold"] == pytest.approx(
        breakdown["pooled"]["f1"], abs=2e-3)
    assert set(ways) == {"threshold", "dilate cross", "dilate square", "grow above -2",
                         "grow above -4", *postprocess.SCALES}
    for way in ways.values():
        assert way["best_f1"] >= way["f1_at_stored_threshold"]
        assert 0 <= way["precision"] <= 1 and 0 <= way["recall"] <= 1


def test_growth_only_adds_pixels(postprocess):
    import numpy as np

    rng = np.random.default_rng(0)
    logits = {s: rng.normal(0, 2, (20, 24)).astype(np.float32) for s in (0.5, 0.75, 1.0, 1.5, 2.0)}
    made = dict(postprocess.masks(logits, 1.0))
    base = made["threshold"]
    for way in ("dilate cross", "dilate square", "grow above -2", "grow above -4"):
        assert (made[way] | base).sum() == made[way].sum()  # a superset of the plain mask
    assert made["grow above -2"].sum() <= made["grow above -4"].sum() <= made["dilate square"].sum()


def test_bad_input_is_one_line(postprocess, tmp_path, capsys):
    assert postprocess.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error: ")
