"""Whole-image networks as `dustoff restore --method`, in the API and in the benchmark."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")

import dustoff  # noqa: E402
from dustoff.cli.main import main  # noqa: E402
from dustoff.errors import DustoffError  # noqa: E402
from dustoff.io import read_scan, to_native, write_image  # noqa: E402
from dustoff.models import create_model  # noqa: E402
from dustoff.train import save_model  # noqa: E402
from dustoff.whole_image import WholeImageRestorer, restore_samples  # noqa: E402
from helpers import textured, with_specks  # noqa: E402


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("net") / "unet.safetensors"
    return save_model(create_model("unet_efficientnet_lite0").eval(), path, info={"t": 1})


def test_tiles_cover_the_image_and_keep_its_shape(model_file):
    image = textured(150, 200)
    whole = WholeImageRestorer(model_file, tile=512)(image)
    tiled = WholeImageRestorer(model_file, tile=64, overlap=32)(image)
    assert whole.shape == tiled.shape == image.shape and whole.dtype == np.float32
    # Different tilings agree far from the seams' edges of context (batch norms are fixed).
    assert np.abs(whole - tiled).mean() < 0.05


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_native_samples_and_grey_images(model_file, dtype):
    for channels in (1, 3):
        color = to_native(textured(64, 80, channels=channels), dtype)
        restored, mask = restore_samples(color, "network", weights=str(model_file))
        assert restored.dtype == dtype and restored.shape == color.shape
        assert mask.shape == color.shape[:2] and set(np.unique(mask)) <= {0.0, 1.0}


def test_a_detector_file_is_not_a_whole_image_network(tmp_path):
    path = save_model(create_model("dust_detector", widths=[4, 8, 8, 8]), tmp_path / "d.st")
    with pytest.raises(DustoffError, match="not a whole-image restoration network"):
        WholeImageRestorer(path)


def test_cli_restore_with_a_model_file(model_file, tmp_path, capsys):
    damaged, _ = with_specks(textured())
    src = tmp_path / "in.png"
    Image.fromarray(to_native(damaged, np.uint8)).save(src)
    assert main(["restore", str(src), "-o", str(tmp_path / "out"), "--method", "network",
                 "--weights", str(model_file), "--save-mask"]) == 0
    out = read_scan(tmp_path / "out" / "in.png")
    assert out.shape == damaged.shape[:2] and out.bit_depth == 8
    assert (tmp_path / "out" / "in.mask.png").is_file()


def test_cli_refuses_mismatched_options(model_file, tmp_path, capsys):
    src = tmp_path / "in.png"
    write_image(src, textured())
    assert main(["restore", str(src), "-o", str(tmp_path / "o"), "--method", "network",
                 "--weights", str(model_file), "--mask", str(src)]) == 2
    assert "--mask cannot be used" in capsys.readouterr().err
    assert main(["restore", str(src), "-o", str(tmp_path / "o"), "--weights",
                 str(model_file)]) == 2
    assert "--weights is for whole-image" in capsys.readouterr().err
    assert main(["restore", str(src), "-o", str(tmp_path / "o"), "--method", "network"]) == 2
    assert "needs --weights" in capsys.readouterr().err
    assert main(["restore", str(src), "-o", str(tmp_path / "o"), "--method", "network",
                 "--weights", str(tmp_path / "none.safetensors")]) == 2
    assert "not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()  # the failed load came before any output


def test_api_restore_with_the_shipped_network():
    image = textured(64, 64)
    restored, mask = dustoff.restore(image, method="unet-ivanova", return_mask=True)
    assert restored.shape == image.shape and restored.dtype == image.dtype
    assert mask.shape == image.shape[:2]


def test_bench_takes_a_model_file_under_a_label(model_file, tiny_dataset, tmp_path, capsys):
    code = main(["bench", str(tiny_dataset), "-o", str(tmp_path / "report"), "--methods",
                 f"identity,mine@{model_file}", "--lpips", "none", "--cases", "0"])
    assert code == 0
    assert "mine" in (tmp_path / "report" / "report.md").read_text()
    assert main(["bench", str(tiny_dataset), "-o", str(tmp_path / "r2"), "--methods",
                 f"identity@{model_file}"]) == 2
    assert "already a method name" in capsys.readouterr().err
