"""Small building blocks shared by the dustoff networks. Tensors are (B, C, H, W) float32."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F


def conv(cin: int, cout: int, *, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution that keeps the size (divided by ``stride``)."""
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation)


class ConvAct(nn.Sequential):
    """3x3 convolution, batch normalisation, leaky ReLU. Batch normalisation makes the
    detector learn many times faster on rare damage pixels; at inference it is a fixed affine
    map (folded into the convolution by :func:`fold_batch_norms`), so tiles stay independent."""

    def __init__(self, cin: int, cout: int, *, stride: int = 1, dilation: int = 1):
        layer = conv(cin, cout, stride=stride, dilation=dilation)
        layer.bias = None
        super().__init__(layer, nn.BatchNorm2d(cout), nn.LeakyReLU(0.1, inplace=True))


def fold_batch_norms(model: nn.Module) -> nn.Module:
    """Fold every batch norm of :class:`ConvAct` and :class:`GatedConv` blocks into its
    convolution, in place, for inference (eval mode); returns ``model``."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for block in model.modules():
        if isinstance(block, ConvAct) and isinstance(block[1], nn.BatchNorm2d):
            block[0] = fuse_conv_bn_eval(block[0].eval(), block[1].eval())
            block[1] = nn.Identity()
        elif isinstance(block, GatedConv):
            block.fold()
    return model


def unshuffled_conv(layer: nn.Conv2d, factor: int) -> nn.Conv2d:
    """The convolution equal to ``pixel_unshuffle(factor)`` followed by ``layer`` (a 3x3
    convolution of stride 1, dilation 1, padding 1): a (3 * factor)-sized kernel of stride
    ``factor`` on the full-resolution input, padded by ``factor`` pixels."""
    if layer.kernel_size != (3, 3) or layer.stride != (1, 1) or layer.padding != (1, 1) \
            or layer.dilation != (1, 1) or layer.groups != 1:
        raise ValueError("unshuffled_conv takes a plain 3x3 convolution of padding 1")
    out, cells = layer.out_channels, layer.in_channels
    channels, f = cells // factor ** 2, factor
    # unshuffled channel c * f * f + dy * f + dx holds input channel c at offset (dy, dx)
    weight = layer.weight.detach().reshape(out, channels, f, f, 3, 3)
    weight = weight.permute(0, 1, 4, 2, 5, 3).reshape(out, channels, 3 * f, 3 * f)
    folded = nn.Conv2d(channels, out, 3 * f, stride=f, padding=f, bias=layer.bias is not None)
    with torch.no_grad():
        folded.weight.copy_(weight)
        if layer.bias is not None:
            folded.bias.copy_(layer.bias)
    return folded.to(layer.weight.device)


class GatedConv(nn.Module):
    """Gated convolution (Yu et al., "Free-Form Image Inpainting with Gated Convolution", ICCV
    2019): ``act(norm(features)) * sigmoid(gate)``, so the network learns where the hole's
    invalid pixels may feed the output. Without the batch norm on the features, the signal of
    a deep stack of gates shrinks twenty-fold and the network barely trains."""

    def __init__(self, cin: int, cout: int, *, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.conv = conv(cin, 2 * cout, stride=stride, dilation=dilation)
        self.norm = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features, gate = self.conv(x).chunk(2, dim=1)
        return F.leaky_relu(self.norm(features), 0.1) * torch.sigmoid(gate)

    def fold(self) -> None:
        """Fold the (eval-mode) batch norm into the feature half of the convolution."""
        if isinstance(self.norm, nn.Identity):
            return
        n = self.norm
        scale = n.weight / torch.sqrt(n.running_var + n.eps)
        with torch.no_grad():
            half = scale.shape[0]
            self.conv.weight[:half] *= scale[:, None, None, None]
            self.conv.bias[:half] = (self.conv.bias[:half] - n.running_mean) * scale + n.bias
        self.norm = nn.Identity()


def push_pull_fill(image: torch.Tensor, hole: torch.Tensor, *, levels: int = 9) -> torch.Tensor:
    """A smooth fill of the hole from its surroundings (push-pull: mean of the known pixels over
    a pyramid, coarse levels filling what fine ones lack). image (B, C, H, W); hole (B, 1, H, W)
    in {0, 1}. Known pixels are returned unchanged."""
    valid = 1 - hole
    if levels == 0 or min(image.shape[-2:]) < 2:
        count = valid.sum(dim=(2, 3), keepdim=True)
        mean = (image * valid).sum(dim=(2, 3), keepdim=True) / count.clamp(min=1)
        return image * valid + mean * hole
    total = F.avg_pool2d(image * valid, 2, ceil_mode=True)
    weight = F.avg_pool2d(valid, 2, ceil_mode=True)
    coarse = push_pull_fill(total / weight.clamp(min=1e-6), (weight <= 0).float(),
                            levels=levels - 1)
    return image * valid + upsample_to(coarse, image) * hole


def upsample_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Bilinear resize of ``x`` to the spatial size of ``like`` (odd sizes round-trip)."""
    return F.interpolate(x, size=like.shape[-2:], mode="bilinear", align_corners=False)


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Reflect-pad H and W up to a multiple of ``multiple``; returns the padded tensor and the
    original (H, W) to crop back to."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def box_blur(x: torch.Tensor, size: int) -> torch.Tensor:
    """Mean over a ``size`` x ``size`` window (odd ``size``), edges replicated: (B, C, H, W) ->
    the same shape and dtype.

    The same numbers two ways, whichever is faster for the tensor's memory format: on
    channels-last tensors (fast CPU inference) a separable depthwise convolution (PyTorch's
    channels-last average pooling of few channels is about 10x slower); otherwise average
    pooling."""
    r = size // 2
    padded = F.pad(x, (r, r, r, r), mode="replicate")
    if not x.is_contiguous(memory_format=torch.channels_last) or x.shape[1] == 1:
        return F.avg_pool2d(padded, size, stride=1)
    c = x.shape[1]
    row = torch.full((c, 1, 1, size), 1.0 / size, dtype=x.dtype, device=x.device)
    return F.conv2d(F.conv2d(padded, row, groups=c), row.transpose(2, 3), groups=c)
