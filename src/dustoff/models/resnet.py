"""ResNet34 (He et al. 2016) as a U-Net encoder, with torchvision's parameter names.

No ImageNet weights for it exist offline, so :func:`load_torchvision_checkpoint` reads a
torchvision-format checkpoint (e.g. ``resnet34-b627a593.pth``) from a path the user gives;
without one the encoder starts from random weights, and the trainer says so.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ..errors import DustoffError
from .tensor_files import read_tensor_file

#: ImageNet channel means and standard deviations the torchvision weights expect (RGB in [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norms and an identity (or 1x1 projection) shortcut."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                                            nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + shortcut)


class ResNet34Encoder(nn.Module):
    """forward: (B, 3, H, W) ImageNet-normalised -> five feature maps at strides 2, 4, 8, 16, 32
    with :attr:`channels` (64, 64, 128, 256, 512). H and W must be multiples of 32."""

    channels = (64, 64, 128, 256, 512)
    mean, std = IMAGENET_MEAN, IMAGENET_STD

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        cin = 64
        for index, (cout, blocks, stride) in enumerate(((64, 3, 1), (128, 4, 2), (256, 6, 2),
                                                        (512, 3, 2)), start=1):
            layer = [BasicBlock(cin, cout, stride)] + [BasicBlock(cout, cout)
                                                       for _ in range(blocks - 1)]
            setattr(self, f"layer{index}", nn.Sequential(*layer))
            cin = cout

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        stem = self.relu(self.bn1(self.conv1(x)))
        f1 = self.layer1(self.maxpool(stem))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        return [stem, f1, f2, f3, self.layer4(f3)]

    def stages(self) -> tuple[list[nn.Module], list[nn.Module]]:
        """(early, late) modules, for lower learning rates on the early layers."""
        return [self.conv1, self.bn1, self.layer1, self.layer2], [self.layer3, self.layer4]

    def load_pretrained(self, path: str | Path) -> str:
        """Load a torchvision ResNet34 checkpoint (its ``fc`` classifier is ignored); returns a
        line for the log. Raises DustoffError when keys or shapes do not match."""
        return load_torchvision_checkpoint(self, path)


def load_torchvision_checkpoint(encoder: ResNet34Encoder, path: str | Path) -> str:
    """Copy the encoder weights of a torchvision-format ResNet34 checkpoint into ``encoder``."""
    state = {k: v for k, v in read_tensor_file(path).items() if not k.startswith("fc.")}
    own = encoder.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise DustoffError(f"{path}: not a torchvision ResNet34 checkpoint (missing "
                           f"{missing[:3]}, unexpected {unexpected[:3]})")
    wrong = [k for k in own if own[k].shape != state[k].shape]
    if wrong:
        raise DustoffError(f"{path}: tensor shapes do not fit ResNet34 ({wrong[:3]})")
    encoder.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in state.items()})
    return f"encoder: ResNet34 weights loaded from {path} ({len(state)} tensors)"
