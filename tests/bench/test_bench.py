"""dustoff bench: every method on damaged and clean inputs, a report with every number."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dustoff.bench import load_items
from dustoff.cli.main import main
from dustoff.errors import DustoffError
from dustoff.io import write_image, write_png8
from dustoff.metrics import ssim
from helpers import textured, with_specks

SPOTS = ((20, 20), (40, 60), (70, 30), (60, 90))


@pytest.fixture
def triplets(tmp_path):
    """3 damaged/clean/mask triplets and their clean images, 96x112."""
    root = tmp_path / "bench"
    for sub in ("clean", "damaged", "mask"):
        (root / sub).mkdir(parents=True)
    for i in range(3):
        clean = textured(96, 112, seed=i)
        damaged, mask = with_specks(clean, SPOTS)
        write_image(root / "clean" / f"im{i}.png", clean)
        write_image(root / "damaged" / f"im{i}.png", damaged)
        write_png8(mask.astype(np.float32), root / "mask" / f"im{i}.png")
    return root


def test_triplet_folder_gives_damaged_and_clean_inputs(triplets):
    items = load_items(triplets)
    assert [i.kind for i in items] == ["damaged"] * 3 + ["clean"] * 3
    assert items[0].mask is not None and items[-1].mask is None
    assert load_items(triplets, limit=1)[1].kind == "clean"


def test_bench_scores_every_method_and_writes_the_report(triplets, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["bench", str(triplets), "--methods", "identity,median,ds,telea", "-o",
                 str(out), "--lpips", "alex", "--cases", "1"])
    assert code == 0
    assert "SSIM of predictions" in capsys.readouterr().out
    report = json.loads((out / "results.json").read_text())
    assert report["meta"]["damaged_inputs"] == 3 and report["meta"]["clean_inputs"] == 3
    summary = report["summary"]
    # Doing nothing: no gain, no harm, nothing detected.
    ident = summary["identity"]
    assert ident["damaged"]["delta_ssim"]["mean"] == 0
    assert ident["clean"]["ssim"]["mean"] == 1 and ident["clean"]["lpips_alex"]["mean"] < 1e-6
    assert ident["detection"]["recall"] == 0
    # The classical pipeline finds these specks and repairs them without touching clean images.
    telea = summary["telea"]
    assert telea["detection"]["recall"] > 0.9
    assert telea["damaged"]["psnr"]["mean"] > ident["damaged"]["psnr"]["mean"] + 5
    assert telea["damaged"]["delta_ssim"]["mean"] > 0
    assert telea["clean"]["changed_fraction"]["mean"] < 0.001
    # The median filter changes clean images; the table says so.
    assert summary["median"]["clean"]["ssim"]["mean"] < 0.99
    # Per-image numbers are all there, and the summary is their mean.
    rows = [r for r in report["methods"]["telea"]["items"] if r["kind"] == "damaged"]
    assert len(rows) == 3
    assert telea["damaged"]["ssim"]["mean"] == pytest.approx(np.mean([r["ssim"] for r in rows]))
    assert all(r["seconds"] > 0 for r in rows)
    for name in ("report.md", "report.html", "figures/ssim-damaged.png",
                 "figures/delta-ssim.png", "figures/ssim-clean.png",
                 "cases/telea-damaged-best.png", "cases/median-clean-worst.png"):
        assert (out / name).is_file(), name
    md = (out / "report.md").read_text()
    assert "| telea |" in md and "cases/telea-damaged-worst.png" in md
    assert "<table>" in (out / "report.html").read_text()


def test_delta_ssim_in_the_report_is_the_gain_over_the_input(triplets, tmp_path):
    out = tmp_path / "r"
    assert main(["bench", str(triplets), "--methods", "telea", "-o", str(out), "--lpips",
                 "none", "--cases", "0"]) == 0
    row = json.loads((out / "results.json").read_text())["methods"]["telea"]["items"][0]
    from dustoff.io import read_image
    given = read_image(triplets / "damaged" / "im0.png")
    clean = read_image(triplets / "clean" / "im0.png")
    assert row["delta_ssim"] == pytest.approx(row["ssim"] - ssim(given, clean))


def test_a_built_dataset_is_read_by_split_and_size(tmp_path):
    from dustoff.dataset import BuildOptions, build
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        write_image(photos / f"p{i}.png", textured(120, 150, seed=i))
    build(photos, tmp_path / "ds", BuildOptions(sizes=(32, 48), split=(2, 1, 1), per_image=2,
                                                clean_per_split=2), progress=False)
    items = load_items(tmp_path / "ds")
    assert {i.kind for i in items} == {"damaged", "clean"}
    assert all("-48-" in i.id for i in items)
    assert len([i for i in items if i.kind == "damaged"]) == 2
    with pytest.raises(DustoffError, match="not 64"):
        load_items(tmp_path / "ds", size=64)


def test_bad_benchmark_input_gives_one_line_and_exit_2(tmp_path, capsys):
    assert main(["bench", str(tmp_path), "-o", str(tmp_path / "r")]) == 2
    assert "neither a built dataset" in capsys.readouterr().err
    assert main(["bench", str(tmp_path), "--methods", "nope", "-o", str(tmp_path / "r")]) == 2
    assert "unknown method 'nope'" in capsys.readouterr().err


def test_a_failing_method_is_reported_and_the_run_goes_on(triplets, tmp_path, monkeypatch,
                                                          capsys):
    from dustoff.restorers import Identity

    calls = {"n": 0}

    def flaky(self, image):
        calls["n"] += 1
        if calls["n"] == 3:  # the warm-up is call 1
            raise RuntimeError("boom")
        return original(self, image)

    original = Identity.__call__
    monkeypatch.setattr(Identity, "__call__", flaky)
    code = main(["bench", str(triplets), "--methods", "identity", "-o", str(tmp_path / "r"),
                 "--lpips", "none", "--cases", "0"])
    assert code == 1
    assert "failed: identity" in capsys.readouterr().out
    report = json.loads((tmp_path / "r" / "results.json").read_text())
    assert len(report["methods"]["identity"]["items"]) == 5 and len(report["errors"]) == 1


def test_reuse_keeps_scored_methods_and_runs_only_new_ones(triplets, tmp_path, monkeypatch):
    out = tmp_path / "r"
    args = ["bench", str(triplets), "-o", str(out), "--lpips", "none", "--cases", "0"]
    assert main(args + ["--methods", "identity,ds"]) == 0
    first = json.loads((out / "results.json").read_text())

    from dustoff.restorers import DustAndScratches
    monkeypatch.setattr(DustAndScratches, "__call__", lambda self, image: 1 / 0)
    assert main(args + ["--methods", "identity,ds,telea", "--reuse"]) == 0
    second = json.loads((out / "results.json").read_text())
    assert second["meta"]["reused"] == ["ds", "identity"]
    assert second["methods"]["ds"] == first["methods"]["ds"]
    assert second["summary"]["telea"]["detection"]["recall"] > 0.9
    assert main(args[:-4] + ["--lpips", "alex", "--cases", "0", "--methods", "ds",
                             "--reuse"]) == 2


def test_memory_measurement_sees_a_large_numpy_buffer():
    from dustoff.bench.resources import measure
    with measure(memory=True) as usage:
        buffer = np.ones((1000, 1000, 4))  # 30.5 MiB
        buffer.sum()
    assert usage.peak_mb >= 30 and usage.seconds > 0
    with measure() as timed:
        np.ones(10)
    assert timed.seconds >= 0 and np.isnan(timed.peak_mb)


def test_machine_description_names_the_cpu_and_whether_it_has_bfloat16(monkeypatch):
    from dustoff import precision
    from dustoff.bench import resources

    monkeypatch.setattr(precision, "fast_bfloat16", lambda: False)
    line = resources.machine_description()
    assert resources.cpu_name() and line.startswith(resources.cpu_name())
    assert "CPUs" in line and line.endswith(", no bfloat16 instructions")
    monkeypatch.setattr(precision, "fast_bfloat16", lambda: True)
    assert resources.machine_description().endswith(", bfloat16 instructions")
