"""The PyTorch forms agree with the NumPy metrics and pass gradient checks."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dustoff.metrics import fidelity  # noqa: E402
from dustoff.metrics import differentiable as D  # noqa: E402
from helpers import textured  # noqa: E402


def pair(h=40, w=44, seed=0):
    clean = textured(h, w, seed=seed)
    noisy = np.clip(clean + np.random.default_rng(seed + 1).normal(0, 0.06, clean.shape), 0, 1)
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]
    return clean, noisy, as_tensor(clean).double(), as_tensor(noisy).double()


@pytest.mark.parametrize("window", [11, 5])
def test_torch_ssim_equals_numpy_ssim(window):
    clean, noisy, tc, tn = pair()
    assert D.ssim(tn, tc, window=window).item() == pytest.approx(
        fidelity.ssim(noisy, clean, window=window), abs=1e-10)


def test_torch_ms_ssim_and_psnr_equal_numpy():
    clean, noisy, tc, tn = pair(200, 180)
    assert D.ms_ssim(tn, tc).item() == pytest.approx(fidelity.ms_ssim(noisy, clean), abs=1e-10)
    assert D.psnr(tn, tc).item() == pytest.approx(fidelity.psnr(noisy, clean), abs=1e-9)
    assert D.psnr(tc, tc).item() == pytest.approx(fidelity.PSNR_CAP)


def test_losses_are_one_minus_the_metric_and_batch_means():
    _, _, tc, tn = pair()
    batch_x, batch_y = torch.cat([tn, tc]), torch.cat([tc, tc])
    per_image = D.ssim(batch_x, batch_y, window=5)
    assert per_image.shape == (2,) and per_image[1].item() == pytest.approx(1.0)
    assert D.SSIMLoss(window=5)(batch_x, batch_y).item() == pytest.approx(
        1 - per_image.mean().item())
    assert D.MSSSIMLoss()(tc, tc).item() == pytest.approx(0.0, abs=1e-12)


def test_gradients_of_ssim_ms_ssim_and_psnr_pass_gradcheck():
    g = torch.Generator().manual_seed(0)
    target = torch.rand(1, 2, 24, 24, generator=g, dtype=torch.float64)
    x = (target + 0.1 * torch.rand(1, 2, 24, 24, generator=g, dtype=torch.float64))
    x = x.clamp(0, 1).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: D.ssim(t, target, window=5), (x,))
    assert torch.autograd.gradcheck(lambda t: D.ms_ssim(t, target, window=5), (x,))
    assert torch.autograd.gradcheck(lambda t: D.psnr(t, target), (x,))
