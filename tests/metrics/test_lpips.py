"""LPIPS: our loader and layer definitions against the weight files of stlpips-pytorch."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("stlpips_pytorch")

from dustoff.errors import DustoffError  # noqa: E402
from dustoff.metrics.lpips import LPIPS, packaged_weights  # noqa: E402
from helpers import textured  # noqa: E402


@pytest.fixture(scope="module", params=["alex", "vgg"])
def metric(request):
    return LPIPS(request.param)


def image_tensor(h=48, w=56, seed=0):
    return torch.from_numpy(textured(h, w, seed=seed).transpose(2, 0, 1).copy())[None]


def test_identical_images_are_at_distance_zero(metric):
    x = image_tensor()
    assert metric(x, x).item() == pytest.approx(0.0, abs=1e-7)


def test_distance_grows_with_the_damage(metric):
    x = image_tensor()
    g = torch.Generator().manual_seed(1)
    noise = torch.randn(x.shape, generator=g)
    d = [metric((x + s * noise).clamp(0, 1), x).item() for s in (0.02, 0.08, 0.2)]
    assert 0 < d[0] < d[1] < d[2]


def test_gradients_reach_the_input_but_not_the_network(metric):
    x = image_tensor(32, 32).requires_grad_(True)
    metric((x * 0.9).clamp(0, 1), image_tensor(32, 32)).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in metric.parameters())


def _upstream_lpips(net):
    """The package's own model class, importable once its unused torchvision/IPython/
    torchsummary imports are stubbed out (the layers it builds need none of them)."""
    stubs = {name: types.ModuleType(name) for name in
             ("torchvision", "torchvision.models", "IPython", "torchsummary")}
    stubs["torchvision"].models = stubs["torchvision.models"]
    stubs["IPython"].embed = lambda *a, **k: None
    stubs["torchsummary"].summary = lambda *a, **k: None
    saved = {k: sys.modules.get(k) for k in stubs}
    sys.modules.update(stubs)
    try:
        from stlpips_pytorch import stlpips
        return stlpips.LPIPS(net=net, variant="shift_tolerant", verbose=False)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def test_values_equal_the_upstream_implementation(metric):
    upstream = _upstream_lpips(metric.net_name)
    x = image_tensor(64, 72)
    y = (x + 0.05 * torch.randn(x.shape, generator=torch.Generator().manual_seed(2))).clamp(0, 1)
    with torch.no_grad():
        expected = upstream(x, y, normalize=True).flatten()
        got = metric(x, y)
    assert torch.allclose(got, expected, atol=1e-6)


def test_a_file_that_is_not_lpips_weights_is_refused(tmp_path):
    bad = tmp_path / "bad.pth"
    torch.save({"something": torch.zeros(2)}, bad)
    with pytest.raises(DustoffError, match="not an LPIPS-alex weight file"):
        LPIPS("alex", weights=bad)
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a zip")
    with pytest.raises(DustoffError, match="not a readable weight file"):
        LPIPS("alex", weights=junk)
    assert packaged_weights("vgg").name == "vgg_shift_tolerant.pth"
