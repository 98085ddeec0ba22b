"""Function-preserving widening of the detector, and `dustoff train --init` with a narrower file."""
from __future__ import annotations

import pytest
import torch

from dustoff.cli.main import main
from dustoff.models import create_model
from dustoff.models.detector import DustDetector
from dustoff.models.widen import embed_state, widen_from
from dustoff.train import load_model, save_model


def _trained_like(widths, seed=0, **config):
    """A detector with random weights and batch-norm statistics that are not the defaults."""
    torch.manual_seed(seed)
    model = create_model("dust_detector", widths=widths, **config)
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(2, 3, 48, 48))
    return model.eval()


def test_the_widened_detector_computes_what_the_narrow_one_did():
    narrow = _trained_like((4, 8, 8, 8))
    wide = widen_from(DustDetector((4, 8, 16, 24)), narrow).eval()
    image = torch.rand(1, 3, 45, 61)
    with torch.no_grad():
        torch.testing.assert_close(wide(image), narrow(image), rtol=1e-5, atol=1e-5)
    # and it is really wider, with the new channels in use after one training step
    assert sum(p.numel() for p in wide.parameters()) > sum(p.numel() for p in narrow.parameters())
    wide.train()
    loss = wide(torch.rand(2, 3, 32, 32)).mean()
    loss.backward()
    grad = wide.enc4[1][0].weight.grad
    assert grad[:8, 8:].abs().sum() > 0  # the zeroed columns get gradients: they will grow


def test_a_wider_refinement_starts_as_the_narrow_one_and_keeps_old_files_loading(tmp_path):
    narrow = _trained_like((4, 8, 8, 8))
    wide = widen_from(create_model("dust_detector", widths=(4, 8, 8, 8), refine=(8, 16)),
                      narrow).eval()
    image = torch.rand(1, 3, 37, 50)
    with torch.no_grad():
        torch.testing.assert_close(wide(image), narrow(image), rtol=1e-5, atol=1e-5)
    assert wide.config == {"widths": [4, 8, 8, 8], "refine": [8, 16]}
    assert narrow.config == {"widths": [4, 8, 8, 8]}  # the default is not written
    wide.train()
    wide(torch.rand(2, 3, 32, 32)).mean().backward()
    assert wide.refine[-1].weight.grad[0, 8:].abs().sum() > 0  # the new channels will grow
    save_model(wide, tmp_path / "wide.safetensors")
    again, _ = load_model(tmp_path / "wide.safetensors")
    assert again.config == wide.config
    with pytest.raises(ValueError, match="at least 4"):
        DustDetector((4, 8, 8, 8), refine=(2, 8))


def test_embed_state_refuses_other_designs_and_narrower_targets():
    narrow = DustDetector((4, 8, 8, 8)).state_dict()
    with pytest.raises(ValueError, match="does not fit"):
        embed_state(DustDetector((4, 8, 16, 16)).state_dict(), narrow)
    other = dict(narrow)
    other.pop("head.0.bias")
    with pytest.raises(ValueError, match="differ in design"):
        embed_state(other, narrow)


def test_train_init_widens_a_narrower_model_file(tiny_dataset, tmp_path, capsys):
    narrow = tmp_path / "narrow.safetensors"
    save_model(_trained_like((4, 8, 8, 8)), narrow)
    out = tmp_path / "run"
    assert main(["train", "dust_detector", "--data", str(tiny_dataset), "-o", str(out),
                 "--epochs", "1", "--config", '{"widths": [4, 8, 12, 16]}', "--crop", "32",
                 "--batch", "2", "--quiet", "--init", str(narrow)]) == 0
    assert "widened from" in capsys.readouterr().out
    model, _ = load_model(out / "best.safetensors")
    assert model.config == {"widths": [4, 8, 12, 16]}
    # a wider file cannot start a narrower model
    assert main(["train", "dust_detector", "--data", str(tiny_dataset), "-o",
                 str(tmp_path / "back"), "--epochs", "1", "--config",
                 '{"widths": [4, 8, 8, 8]}', "--crop", "32", "--batch", "2", "--quiet",
                 "--init", str(out / "best.safetensors")]) == 2
    assert "cannot widen" in capsys.readouterr().err
