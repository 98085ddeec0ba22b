"""benchmarks/detection_breakdown.py counts the pixels as `dustoff bench` does."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from dustoff.cli.main import main as dustoff

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "detection_breakdown.py"


@pytest.fixture(scope="module")
def breakdown():
    spec = importlib.util.spec_from_file_location("detection_breakdown", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_breakdown_agrees_with_the_benchmark(tiny_dataset, breakdown, tmp_path, capsys):
    assert dustoff(["bench", str(tiny_dataset), "-o", str(tmp_path / "report"),
                    "--methods", "dustoff", "--lpips", "none", "--cases", "0"]) == 0
    items = json.loads((tmp_path / "report" / "results.json").read_text())
    items = [i for i in items["methods"]["dustoff"]["items"] if i["kind"] == "damaged"]
    capsys.readouterr()
    assert breakdown([str(tiny_dataset)]) == 0
    report = json.loads(capsys.readouterr().out)
    tp, fp, fn = (sum(i[k] for i in items) for k in ("tp", "fp", "fn"))
    assert report["damaged_inputs"] == len(items)
    assert report["pooled"]["f1"] == pytest.approx(2 * tp / (2 * tp + fp + fn), abs=1e-4)
    assert report["false_hits"]["pixels"] == fp
    if fp:
        assert sum(v for k, v in report["false_hits"].items() if k != "pixels") \
            == pytest.approx(1, abs=0.002)
    assert report["f1_rims_not_scored"] >= report["pooled"]["f1"]
    assert report["f1_forgiving_1px"] >= report["pooled"]["f1"]
    shares = [t["share"] for t in report["recall_by_type"].values()]
    assert shares and sum(shares) == pytest.approx(1, abs=0.01)
    assert all(0 <= t["recall"] <= 1 for t in report["recall_by_type"].values())
    # every damaged pixel falls in one visibility bin, and the bins' recalls add up to the whole
    bins = report["recall_by_visibility"].values()
    assert sum(b["share"] for b in bins) == pytest.approx(1, abs=0.01)
    assert sum(b["share"] * b["recall"] for b in bins) \
        == pytest.approx(report["pooled"]["recall"], abs=0.01)
    oracle = report["oracle_f1_by_difference"]
    assert list(oracle) == [">=4/255", ">=8/255", ">=12/255", ">=16/255"]
    assert all(0 <= f1 <= 1 for f1 in oracle.values())
    worst = report["missed_pixels"]["most_missed"]
    assert 1 <= len(worst) <= 5 and sum(w["pixels"] for w in worst) <= fn
    assert [w["pixels"] for w in worst] == sorted((w["pixels"] for w in worst), reverse=True)
    assert {w["input"] for w in worst} <= {i["id"] for i in items}
    # the type-by-visibility cells split each type's pixels and its recall the same way
    cells = report["recall_by_type_and_visibility"]
    assert set(cells) == set(report["recall_by_type"])
    for name, row in cells.items():
        whole = report["recall_by_type"][name]
        assert sum(c["share"] for c in row.values()) == pytest.approx(whole["share"], abs=0.01)
        assert sum(c["share"] * c["recall"] for c in row.values()) \
            == pytest.approx(whole["share"] * whole["recall"], abs=0.01)


def test_limit_keeps_the_first_inputs(tiny_dataset, breakdown, capsys):
    assert breakdown([str(tiny_dataset), "--limit", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["damaged_inputs"] == 1 and report["clean_inputs"] <= 1


def test_bad_input_is_one_line(tiny_dataset, breakdown, tmp_path, capsys):
    (tmp_path / "clean").mkdir()
    (tmp_path / "damaged").mkdir()
    assert breakdown([str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith("no benchmark inputs found")
    assert breakdown([str(tiny_dataset), "--passes", "3"]) == 2
    assert "passes must be one of" in capsys.readouterr().err
