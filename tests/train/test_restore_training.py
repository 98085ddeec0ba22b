"""Training whole-image restoration U-Nets: the paper's recipe options through `dustoff train`
and tools/train_perceptual_unet.py, on the tiny dataset."""
from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("stlpips_pytorch")

from dustoff.cli.main import main  # noqa: E402
from dustoff.train import load_model  # noqa: E402
from dustoff.train.data import PairDataset, PerspectiveAugment  # noqa: E402

MODEL = "unet_efficientnet_lite0"
TOOL = Path(__file__).resolve().parents[2] / "tools" / "train_perceptual_unet.py"


def _train(data, out, *extra):
    return main(["train", MODEL, "--data", str(data), "-o", str(out), "--samples", "8",
                 "--batch", "4", "--crop", "32", "--val-limit", "2", "--quiet", *extra])


def test_frozen_random_encoder_is_logged_and_left_unchanged(tiny_dataset, tmp_path, capsys):
    assert _train(tiny_dataset, tmp_path / "run", "--freeze-encoder", "--loss-config",
                  '{"loss": "mse"}', "--augment", "perspective") == 0
    out = capsys.readouterr().out
    assert "encoder: RANDOM initialisation" in out and "encoder: frozen" in out
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert run["freeze_encoder"] and run["augment"] == "perspective"
    model, info = load_model(tmp_path / "run" / "best.safetensors")
    assert {"ssim", "psnr"} <= set(info)
    # A second run from the first one's weights, with the encoder unfrozen.
    assert _train(tiny_dataset, tmp_path / "next", "--init",
                  str(tmp_path / "run" / "best.safetensors"), "--lr-factors", "0.01", "0.1", "1",
                  "--loss-config", '{"loss": "model3"}') == 0
    assert "starting from" in capsys.readouterr().out
    later, _ = load_model(tmp_path / "next" / "best.safetensors")
    moved = [not torch.equal(a, b) for a, b in zip(model.encoder.state_dict().values(),
                                                    later.encoder.state_dict().values())]
    assert any(moved)


def test_frozen_encoder_weights_do_not_move(tiny_dataset, tmp_path):
    from dustoff.train import loop

    options = loop.TrainOptions(model=MODEL, data=[str(tiny_dataset)], out=str(tmp_path / "r"),
                                crop=32, samples=8, batch=4, val_limit=2, freeze_encoder=True,
                                task_config={"loss": "mse"})
    torch.manual_seed(options.seed)
    from dustoff.models import create_model
    start = create_model(MODEL).encoder.state_dict()
    loop.train(options, progress=False)
    model, _ = load_model(tmp_path / "r" / "best.safetensors")
    for key, value in model.encoder.state_dict().items():
        assert torch.equal(value, start[key]), key


def test_bad_recipe_options_are_one_line_errors(tiny_dataset, tmp_path, capsys):
    assert _train(tiny_dataset, tmp_path / "a", "--lr-factors", "1", "2") == 2
    assert "lr_factors needs 3 values" in capsys.readouterr().err
    assert main(["train", "dust_detector", "--data", str(tiny_dataset), "-o",
                 str(tmp_path / "b"), "--encoder-weights", "x.pth", "--quiet"]) == 2
    assert "no pretrained-able encoder" in capsys.readouterr().err
    assert _train(tiny_dataset, tmp_path / "c", "--encoder-weights",
                  str(tmp_path / "missing.pth")) == 2
    assert "not found" in capsys.readouterr().err


def test_recipe_tool_runs_every_phase(tiny_dataset, tmp_path, monkeypatch):
    """The four phases (64 -> 128 -> 256 frozen, 256 unfrozen) of the smoke schedule, on a
    dataset whose pairs are all 48 px: each phase starts from the previous phase's model."""
    recipe = runpy.run_path(str(TOOL))
    recipe["SCHEDULES"]["test"] = [("a", 48, True, None, 4, 0.8), ("b", 48, False, None, 4, 0.5)]
    out = tmp_path / "recipe"
    monkeypatch.setattr(sys, "argv", ["train_perceptual_unet.py"])
    assert recipe["main"](["mse", "--data", str(tiny_dataset), "-o", str(out), "--schedule",
                           "test", "--encoder-weights", "none", "--val-limit", "2",
                           "--batch", "2"]) == 0
    record = json.loads((out / "schedule.json").read_text())
    assert [p["phase"] for p in record["phases"]] == ["a", "b"]
    assert json.loads((out / "b" / "run.json").read_text())["init"] == str(out / "a" /
                                                                          "best.safetensors")
    assert (out / "final.safetensors").is_file()


def test_perspective_augment_moves_damaged_clean_and_mask_alike():
    rng = np.random.default_rng(0)
    image = rng.random((40, 40, 3)).astype(np.float32)
    mask = (rng.random((40, 40)) > 0.9).astype(np.float32)
    augment = PerspectiveAugment(p=1.0, flip=1.0)
    for seed in range(5):
        a = augment([image, image.copy(), mask], np.random.default_rng(seed))
        b = augment([image, image.copy(), mask], np.random.default_rng(seed))
        assert np.array_equal(a[0], a[1]) and all(np.array_equal(x, y) for x, y in zip(a, b))
        assert a[0].shape == image.shape and a[2].shape == mask.shape
        assert 0 <= a[0].min() and a[0].max() <= 1 and 0 <= a[2].min() and a[2].max() <= 1
        assert not np.allclose(a[0], image)


def test_no_change_settings_leave_the_pairs_alone(tiny_dataset):
    plain = PairDataset(tiny_dataset, "train", crop=None)[0]
    same = PairDataset(tiny_dataset, "train", crop=None,
                       augment=PerspectiveAugment(p=0.0, flip=0.0))[0]
    for key in plain:
        assert torch.allclose(plain[key], same[key], atol=1e-6)
