"""dustoff dataset build / preview: splits without leakage, resumable, with a full manifest."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dustoff.cli.main import main
from dustoff.dataset import BuildOptions, build
from dustoff.io import read_scan, write_image
from helpers import textured


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(10):
        write_image(folder / f"photo{i}.png", textured(160, 220, seed=i))
    return folder


def test_build_splits_by_photo_and_writes_triplets(photos, tmp_path):
    out = tmp_path / "ds"
    assert main(["dataset", "build", str(photos), str(out), "--sizes", "32", "64",
                 "--split", "6:2:2", "--per-image", "2", "--clean-per-split", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    rows = manifest["pairs"]
    sources = {split: {r["source"] for r in rows if r["split"] == split}
               for split in ("train", "val", "test")}
    assert not (sources["train"] & sources["val"]) and not (sources["train"] & sources["test"])
    assert not (sources["val"] & sources["test"])
    assert len(sources["train"]) == 6 and len(sources["test"]) == 2
    damaged = [r for r in rows if r["kind"] == "damaged"]
    assert len(damaged) == 10 * 2 * 2
    for row in damaged[:6]:
        clean = read_scan(out / row["files"]["clean"]).color
        hurt = read_scan(out / row["files"]["damaged"]).color
        mask = read_scan(out / row["files"]["mask"]).color
        assert clean.shape == hurt.shape == (row["size"], row["size"], 3)
        assert mask.shape == (row["size"], row["size"], 1) and mask.any()
    clean_rows = [r for r in rows if r["kind"] == "clean"]
    assert len(clean_rows) == 3 * 2
    for row in clean_rows:
        assert np.array_equal(read_scan(out / row["files"]["clean"]).color,
                              read_scan(out / row["files"]["damaged"]).color)
    assert (out / "manifest.csv").read_text().count("\n") == len(rows) + 1


def test_each_size_gets_its_own_damage_pattern(photos, tmp_path):
    build(photos, tmp_path / "ds", BuildOptions(sizes=(64, 128), per_image=1,
                                                clean_per_split=0), progress=False)
    rows = json.loads((tmp_path / "ds" / "manifest.json").read_text())["pairs"]
    by_source = {}
    for r in rows:
        by_source.setdefault((r["source"]), {})[r["size"]] = r
    seeds = [(v[64]["seed"], v[128]["seed"]) for v in by_source.values()]
    assert all(a != b for a, b in seeds)


def test_build_resumes_and_is_deterministic(photos, tmp_path):
    options = BuildOptions(sizes=(32,), per_image=1, clean_per_split=1)
    build(photos, tmp_path / "a", options, progress=False)
    first = (tmp_path / "a" / "manifest.json").read_text()
    victim = sorted((tmp_path / "a" / "rows").glob("*.json"))[3]
    victim.unlink()  # as if interrupted before this item
    build(photos, tmp_path / "a", options, progress=False)
    assert (tmp_path / "a" / "manifest.json").read_text() == first
    build(photos, tmp_path / "b", options, progress=False)
    rows_a = json.loads(first)["pairs"]
    for row in rows_a[:5]:
        assert (tmp_path / "a" / row["files"]["damaged"]).read_bytes() == \
            (tmp_path / "b" / row["files"]["damaged"]).read_bytes()


def test_resume_with_other_options_is_refused(photos, tmp_path, capsys):
    build(photos, tmp_path / "a", BuildOptions(sizes=(32,), per_image=1), progress=False)
    code = main(["dataset", "build", str(photos), str(tmp_path / "a"), "--sizes", "48"])
    assert code == 2 and "other options" in capsys.readouterr().err


def test_preview_sheet(photos, tmp_path):
    build(photos, tmp_path / "ds", BuildOptions(sizes=(48,), per_image=1), progress=False)
    assert main(["dataset", "preview", str(tmp_path / "ds"), "-o", str(tmp_path / "s.png"),
                 "--rows", "3"]) == 0
    sheet = read_scan(tmp_path / "s.png").color
    assert sheet.shape[1] == 3 * 48 and sheet.shape[0] == 3 * (48 + 18)


def test_structured_only_test_split_build(photos, tmp_path):
    full, part = tmp_path / "full", tmp_path / "part"
    build(photos, full, BuildOptions(sizes=(48,), split=(6, 2, 2), per_image=1,
                                     clean_per_split=1), progress=False)
    build(photos, part, BuildOptions(sizes=(48,), split=(6, 2, 2), per_image=1,
                                     clean_per_split=1, structured_only=True,
                                     splits=("test",)), progress=False)
    rows = json.loads((part / "manifest.json").read_text())["pairs"]
    assert {r["split"] for r in rows} == {"test"}
    assert json.loads((part / "splits.json").read_text()) == \
        json.loads((full / "splits.json").read_text())
    for row in rows:
        if row["kind"] != "damaged":
            continue
        assert row["ageing"] == [] and row["capture"] == []
        clean = read_scan(part / row["files"]["clean"]).color.astype(int)
        hurt = read_scan(part / row["files"]["damaged"]).color.astype(int)
        mask = read_scan(part / row["files"]["mask"]).color[..., 0]
        assert not (np.abs(hurt - clean).max(axis=2)[mask == 0] > 0).any()
