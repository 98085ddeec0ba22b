"""The restoration U-Net of Ivanova et al. (VISAPP 2022), after DeOldify / fastai's dynamic U-Net.

Damaged image in, restored image out, end to end (no mask). For an input of H x W (padded inside
to a multiple of 32):

- a pretrained-able encoder (ResNet34 or EfficientNet-Lite0) gives features at strides 2..32;
- batch norm, ReLU and a two-convolution bottleneck (C -> 2C -> C);
- four up-sampling blocks, each a sub-pixel convolution (1x1 conv to 4x channels, PixelShuffle,
  ICNR initialisation so it starts as nearest-neighbour up-sampling, and a 2x2 average "blur"
  against checkerboard artefacts), concatenated with the batch-normed skip features, then two
  3x3 convolutions; the second block from the bottleneck ends with self-attention (SAGAN);
- a last sub-pixel up-sampling to full size, the input image concatenated ("dense cross
  connection"), a residual block, a 1x1 convolution and a sigmoid: RGB in [0, 1].

Convolution blocks are conv -> ReLU -> batch norm, as in fastai v1. The attention's 1x1
projections are plain convolutions (DeOldify wraps them in spectral norm); its output gain starts
at 0, so the block starts as the identity.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from . import models
from .efficientnet_lite import EfficientNetLite0Encoder
from .layers import pad_to_multiple
from .resnet import ResNet34Encoder

ENCODERS = {"resnet34": ResNet34Encoder, "efficientnet_lite0": EfficientNetLite0Encoder}


def conv_layer(cin: int, cout: int, kernel: int = 3, *, activation: bool = True,
               norm: bool = True) -> nn.Sequential:
    """Convolution (no bias before a norm), then ReLU, then batch norm (fastai v1 order)."""
    layers = [nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=not norm)]
    nn.init.kaiming_normal_(layers[0].weight, nonlinearity="relu")
    if activation:
        layers.append(nn.ReLU(inplace=True))
    if norm:
        layers.append(nn.BatchNorm2d(cout))
    return nn.Sequential(*layers)


def icnr_(weight: torch.Tensor, scale: int = 2) -> None:
    """ICNR (Aitken et al. 2017): give each group of ``scale**2`` output channels the same kernel,
    so the PixelShuffle that follows starts as nearest-neighbour up-sampling (no checkerboard)."""
    cout, cin, kh, kw = weight.shape
    sub = torch.empty(cout // scale ** 2, cin, kh, kw)
    nn.init.kaiming_normal_(sub, nonlinearity="relu")
    with torch.no_grad():
        weight.copy_(sub.repeat_interleave(scale ** 2, dim=0))


class PixelShuffleUp(nn.Module):
    """x2 sub-pixel up-sampling: (B, cin, H, W) -> (B, cout, 2H, 2W)."""

    def __init__(self, cin: int, cout: int, *, blur: bool = True):
        super().__init__()
        self.conv = conv_layer(cin, cout * 4, 1, activation=False)
        icnr_(self.conv[0].weight)
        self.shuffle = nn.PixelShuffle(2)
        self.blur = blur

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.shuffle(self.conv(x))
        if self.blur:  # replicate-pad top/left, 2x2 mean: each pixel mixes its 4 sub-pixels
            x = F.avg_pool2d(F.pad(x, (1, 0, 1, 0), mode="replicate"), 2, stride=1)
        return F.relu(x)


class SelfAttention(nn.Module):
    """Self-attention over positions (Zhang et al. 2018): x + gamma * attention(x); gamma
    starts at 0. (B, C, H, W) -> same; costs (H*W)^2 memory per image."""

    def __init__(self, channels: int):
        super().__init__()
        self.query = nn.Conv2d(channels, max(channels // 8, 1), 1, bias=False)
        self.key = nn.Conv2d(channels, max(channels // 8, 1), 1, bias=False)
        self.value = nn.Conv2d(channels, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q = self.query(x).flatten(2).transpose(1, 2)  # (B, N, C/8)
        k = self.key(x).flatten(2).transpose(1, 2)
        v = self.value(x).flatten(2).transpose(1, 2)  # (B, N, C)
        out = F.scaled_dot_product_attention(q, k, v, scale=1.0)
        return x + self.gamma * out.transpose(1, 2).reshape(b, c, h, w)


class UpBlock(nn.Module):
    """Up-sample the deeper features, concatenate the batch-normed skip, two 3x3 convolutions
    (``cout`` = the concatenated width, or half of it in the last block)."""

    def __init__(self, up_channels: int, skip_channels: int, *, last: bool, attention: bool):
        super().__init__()
        self.up = PixelShuffleUp(up_channels, up_channels // 2)
        self.skip_norm = nn.BatchNorm2d(skip_channels)
        width = up_channels // 2 + skip_channels
        self.out_channels = width // 2 if last else width
        self.conv1 = conv_layer(width, self.out_channels)
        self.conv2 = conv_layer(self.out_channels, self.out_channels)
        self.attention = SelfAttention(self.out_channels) if attention else nn.Identity()

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        up = self.up(x)
        if up.shape[-2:] != skip.shape[-2:]:
            up = F.interpolate(up, size=skip.shape[-2:], mode="nearest")
        x = F.relu(torch.cat([up, self.skip_norm(skip)], dim=1))
        return self.attention(self.conv2(self.conv1(x)))


class ResBlock(nn.Module):
    """x + two 3x3 conv layers (fastai's res_block)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(conv_layer(channels, channels), conv_layer(channels, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class PerceptualUNet(nn.Module):
    """forward: (B, 3, H, W) float32 RGB in [0, 1], any H, W >= 1 -> (B, 3, H, W) in [0, 1].

    encoder : "resnet34" or "efficientnet_lite0" (random weights; :meth:`load_encoder` loads
    pretrained ones). Inputs are normalised with the encoder's own statistics inside the model.
    """

    task = "restore"

    def __init__(self, encoder: str = "resnet34"):
        super().__init__()
        if encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {sorted(ENCODERS)}, got {encoder!r}")
        self.config = {"encoder": encoder}
        self.encoder = ENCODERS[encoder]()
        self.register_buffer("mean", torch.tensor(self.encoder.mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(self.encoder.std).view(1, 3, 1, 1))
        channels = self.encoder.channels
        deepest = channels[-1]
        self.bottleneck = nn.Sequential(nn.BatchNorm2d(deepest), nn.ReLU(),
                                        conv_layer(deepest, deepest * 2),
                                        conv_layer(deepest * 2, deepest))
        blocks, up = [], deepest
        skips = channels[-2::-1]  # strides 16, 8, 4, 2
        for index, skip in enumerate(skips):
            block = UpBlock(up, skip, last=index == len(skips) - 1, attention=index == 1)
            blocks.append(block)
            up = block.out_channels
        self.decoder = nn.ModuleList(blocks)
        self.final_up = PixelShuffleUp(up, up)
        self.merge = ResBlock(up + 3)
        self.head = nn.Conv2d(up + 3, 3, 1)
        with torch.no_grad():  # start near mid-grey, not saturated: the sigmoid keeps learning
            self.head.weight.mul_(0.1)
        self.encoder_frozen = False

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x, (h, w) = pad_to_multiple(image, 32)
        x = (x - self.mean) / self.std
        features = self.encoder(x)
        out = self.bottleneck(features[-1])
        for block, skip in zip(self.decoder, features[-2::-1]):
            out = block(out, skip)
        out = self.final_up(out)
        out = self.merge(torch.cat([out, x], dim=1))
        return torch.sigmoid(self.head(out))[..., :h, :w]

    def load_encoder(self, path=None) -> str:
        """Load pretrained encoder weights (see the encoder's ``load_pretrained``); returns a
        line for the log."""
        return self.encoder.load_pretrained(path)

    def freeze_encoder(self, frozen: bool = True) -> None:
        """Freeze (or unfreeze) the whole encoder: no gradients, and its batch norms keep their
        pretrained statistics (eval mode) even while the rest trains, so the pretrained feature
        space is preserved, as the paper describes. (fastai would keep the encoder's batch
        norms training; freezing them also saves the backward pass through the encoder.)"""
        self.encoder_frozen = frozen
        self.encoder.requires_grad_(not frozen)
        self.train(self.training)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.encoder_frozen:
            self.encoder.eval()
        return self

    def param_groups(self) -> list[list[nn.Parameter]]:
        """Parameters in three groups for discriminative learning rates: early encoder layers,
        late encoder layers, decoder (everything else)."""
        early, late = self.encoder.stages()
        groups = [[p for m in early for p in m.parameters()],
                  [p for m in late for p in m.parameters()]]
        seen = {id(p) for g in groups for p in g}
        groups.append([p for p in self.parameters() if id(p) not in seen])
        return groups


@models.register("unet_resnet34", "Ivanova et al.'s perceptual-loss U-Net, ResNet34 encoder "
                                  "(~41 M parameters; end to end)")
def _unet_resnet34(**config) -> PerceptualUNet:
    return PerceptualUNet(**{"encoder": "resnet34", **config})


@models.register("unet_efficientnet_lite0", "the same U-Net on an ImageNet EfficientNet-Lite0 "
                                            "encoder (~10 M parameters; end to end)")
def _unet_efficientnet_lite0(**config) -> PerceptualUNet:
    return PerceptualUNet(**{"encoder": "efficientnet_lite0", **config})
