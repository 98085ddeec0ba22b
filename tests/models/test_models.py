"""The registered networks: shapes for any size, holes filled and nothing else, gradients."""
from __future__ import annotations

import pytest
import torch

from dustoff.errors import DustoffError
from dustoff.models import create_model, models


def test_registry_lists_the_networks():
    assert {"dust_detector", "gated_inpainter"} <= set(models.names())
    with pytest.raises(DustoffError, match="unknown model"):
        create_model("resnet9000")


@pytest.mark.parametrize("size", [(1, 1), (17, 45), (64, 64)])
def test_detector_gives_one_logit_per_pixel(size):
    model = create_model("dust_detector", widths=[4, 8, 8, 8])
    assert model(torch.rand(2, 3, *size)).shape == (2, 1, *size)
    assert model.task == "detect" and model.config == {"widths": [4, 8, 8, 8]}


def test_inpainter_changes_only_the_hole():
    model = create_model("gated_inpainter", widths=[4, 8, 8])
    image = torch.rand(1, 3, 30, 41)
    hole = torch.zeros(1, 1, 30, 41)
    hole[..., 10:15, 5:30] = 1
    out = model(image, hole)
    assert out.shape == image.shape
    assert torch.equal(out[..., hole[0, 0] == 0], image[..., hole[0, 0] == 0])
    assert out.min() >= 0 and out.max() <= 1


def test_hole_content_does_not_reach_the_output():
    model = create_model("gated_inpainter", widths=[4, 8, 8])
    image = torch.rand(1, 3, 32, 32)
    hole = torch.zeros(1, 1, 32, 32)
    hole[..., 8:20, 8:20] = 1
    other = image.clone()
    other[..., 8:20, 8:20] = 0.0  # whatever the damage looked like
    torch.testing.assert_close(model(image, hole), model(other, hole))


def test_gradients_reach_every_parameter():
    for name, args in (("dust_detector", (torch.rand(2, 3, 32, 32),)),
                       ("gated_inpainter", (torch.rand(2, 3, 32, 32),
                                            (torch.rand(2, 1, 32, 32) > 0.8).float()))):
        model = create_model(name)
        model(*args).mean().backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all()
                   for p in model.parameters()), name


def test_folded_batch_norms_give_the_same_output():
    from dustoff.models.layers import fold_batch_norms

    model = create_model("dust_detector", widths=[4, 8, 8, 8])
    model.train()
    for _ in range(3):  # move the running statistics away from their defaults
        model(torch.rand(4, 3, 32, 32) * 0.5 + 0.2)
    model.eval()
    x = torch.rand(1, 3, 40, 56)
    expected = model(x)
    folded = fold_batch_norms(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    torch.testing.assert_close(folded(x), expected, atol=1e-5, rtol=1e-5)


def test_inpainter_starts_from_a_smooth_fill():
    from dustoff.models.layers import push_pull_fill

    image = torch.full((1, 3, 40, 40), 0.25)
    image[..., :, 20:] = 0.75
    hole = torch.zeros(1, 1, 40, 40)
    hole[..., 5:10, 5:10] = 1   # inside the dark half
    filled = push_pull_fill(image * (1 - hole), hole)
    torch.testing.assert_close(filled[..., 5:10, 5:10], image[..., 5:10, 5:10], atol=0.02,
                               rtol=0)
    model = create_model("gated_inpainter", widths=[4, 8, 8])  # untrained: zero residual
    torch.testing.assert_close(model(image, hole), filled)


def test_box_blur_is_the_same_in_both_memory_formats():
    import cv2
    import numpy as np

    from dustoff.models.layers import box_blur

    x = torch.rand(1, 3, 37, 50)
    plain = box_blur(x, 7)
    fast = box_blur(x.contiguous(memory_format=torch.channels_last), 7)
    reference = cv2.blur(x[0].permute(1, 2, 0).numpy(), (7, 7), borderType=cv2.BORDER_REPLICATE)
    assert torch.allclose(plain, fast, atol=1e-6)
    assert np.allclose(plain[0].permute(1, 2, 0).numpy(), reference, atol=1e-6)


def test_detector_gives_the_same_logits_in_channels_last():
    torch.manual_seed(0)
    model = create_model("dust_detector").eval()
    x = torch.rand(1, 3, 70, 90)
    with torch.inference_mode():
        plain = model(x)
        model.to(memory_format=torch.channels_last)
        fast = model(x.contiguous(memory_format=torch.channels_last))
    assert torch.allclose(plain, fast, atol=1e-4)


@pytest.mark.parametrize("factor", [2, 3])
def test_unshuffled_conv_equals_unshuffle_then_conv(factor):
    from dustoff.models.layers import unshuffled_conv

    torch.manual_seed(0)
    layer = torch.nn.Conv2d(2 * factor ** 2, 5, 3, padding=1)
    x = torch.rand(1, 2, 6 * factor, 4 * factor)
    expected = layer(torch.nn.functional.pixel_unshuffle(x, factor))
    torch.testing.assert_close(unshuffled_conv(layer, factor)(x), expected, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="3x3"):
        unshuffled_conv(torch.nn.Conv2d(4, 5, 3, padding=2, dilation=2), 2)


def test_detector_with_its_unshuffle_folded_gives_the_same_logits():
    torch.manual_seed(0)
    model = create_model("dust_detector", widths=[4, 8, 8, 8]).eval()
    x = torch.rand(1, 3, 45, 70)  # padded inside to 48 x 80
    with torch.inference_mode():
        expected = model(x)
        model.fold_unshuffle()
        assert isinstance(model.unshuffle, torch.nn.Identity)
        assert model.fold_unshuffle() is model  # folding twice changes nothing
        torch.testing.assert_close(model(x), expected, atol=1e-5, rtol=1e-5)


def test_detector_core_in_bfloat16_keeps_float32_logits_close():
    torch.manual_seed(0)
    model = create_model("dust_detector", widths=[4, 8, 8, 8]).eval()
    x = torch.rand(1, 3, 40, 56)
    with torch.inference_mode():
        expected = model(x)
        assert model.core_to(torch.bfloat16) is model
        got = model(x)
    assert model.enc2[0][0].weight.dtype == torch.bfloat16
    assert model.refine[0][0].weight.dtype == torch.float32  # edges stay float32
    assert got.dtype == torch.float32 and got.shape == expected.shape
    torch.testing.assert_close(got, expected, atol=0.05, rtol=0.05)
