"""PyTorch twins of :mod:`dustoff.metrics.fidelity`, differentiable, for training losses.

Tensors are (B, C, H, W), float, values in [0, ``data_range``]. The functions return one value
per image, shape (B,); the ``nn.Module`` losses store their options and return a scalar mean.
The windows, constants and valid-region convention are those of the NumPy versions, and tests
check that both give the same numbers and that gradients pass ``torch.autograd.gradcheck``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .fidelity import K1, K2, MS_SSIM_WEIGHTS, PSNR_CAP, gaussian_window, ms_ssim_scales


def _check(x: torch.Tensor, y: torch.Tensor, window: int) -> None:
    if x.shape != y.shape:
        raise ValueError(f"tensors must have the same shape, got {tuple(x.shape)} and "
                         f"{tuple(y.shape)}")
    if x.ndim != 4:
        raise ValueError(f"tensors must have shape (B, C, H, W), got {tuple(x.shape)}")
    if min(x.shape[-2:]) < window:
        raise ValueError(f"images must be at least {window}x{window}, got {tuple(x.shape[-2:])}")


def _window(window: int, channels: int, like: torch.Tensor) -> torch.Tensor:
    taps = torch.as_tensor(gaussian_window(window), dtype=like.dtype, device=like.device)
    return taps.view(1, 1, 1, -1).expand(channels, 1, 1, window).contiguous()


def _blur(x: torch.Tensor, taps: torch.Tensor) -> torch.Tensor:
    """Separable depthwise window, valid positions only: (B, C, H-w+1, W-w+1)."""
    c = x.shape[1]
    x = F.conv2d(x, taps, groups=c)
    return F.conv2d(x, taps.transpose(2, 3), groups=c)


def _ssim_terms(x, y, taps, data_range):
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_x, mu_y = _blur(x, taps), _blur(y, taps)
    var_x = _blur(x * x, taps) - mu_x * mu_x
    var_y = _blur(y * y, taps) - mu_y * mu_y
    cov = _blur(x * y, taps) - mu_x * mu_y
    luminance = (2 * mu_x * mu_y + c1) / (mu_x * mu_x + mu_y * mu_y + c1)
    contrast_structure = (2 * cov + c2) / (var_x + var_y + c2)
    return luminance, contrast_structure


def psnr(x: torch.Tensor, y: torch.Tensor, *, data_range: float = 1.0) -> torch.Tensor:
    """PSNR in dB per image, (B,), capped at :data:`~dustoff.metrics.fidelity.PSNR_CAP`."""
    _check(x, y, 1)
    mse = ((x - y) ** 2).flatten(1).mean(1)
    floor = data_range ** 2 * 10 ** (-PSNR_CAP / 10)
    return 10 * torch.log10(data_range ** 2 / mse.clamp_min(floor))


def ssim(x: torch.Tensor, y: torch.Tensor, *, window: int = 11,
         data_range: float = 1.0) -> torch.Tensor:
    """SSIM per image, (B,), mean over channels and valid window positions."""
    _check(x, y, window)
    luminance, cs = _ssim_terms(x, y, _window(window, x.shape[1], x), data_range)
    return (luminance * cs).flatten(2).mean(2).mean(1)


def ms_ssim(x: torch.Tensor, y: torch.Tensor, *, window: int = 11,
            data_range: float = 1.0) -> torch.Tensor:
    """MS-SSIM per image, (B,), with the scale rule of :func:`dustoff.metrics.fidelity.ms_ssim`."""
    _check(x, y, window)
    scales = ms_ssim_scales(*x.shape[-2:], window=window)
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], dtype=x.dtype, device=x.device)
    weights = weights / weights.sum()
    taps = _window(window, x.shape[1], x)
    terms = []
    for scale in range(scales):
        luminance, cs = _ssim_terms(x, y, taps, data_range)
        last = scale == scales - 1
        terms.append((luminance * cs if last else cs).flatten(2).mean(2))  # (B, C)
        if not last:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    stacked = torch.stack(terms, dim=-1).clamp_min(0)  # (B, C, scales)
    return (stacked ** weights).prod(-1).mean(1)


class SSIMLoss(nn.Module):
    """``1 - SSIM``, mean over the batch (Ivanova et al.'s self-similarity loss, Eq. 1)."""

    def __init__(self, window: int = 5, data_range: float = 1.0):
        super().__init__()
        self.window, self.data_range = window, data_range

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return 1 - ssim(prediction, target, window=self.window, data_range=self.data_range).mean()


class MSSSIMLoss(nn.Module):
    """``1 - MS-SSIM``, mean over the batch."""

    def __init__(self, window: int = 11, data_range: float = 1.0):
        super().__init__()
        self.window, self.data_range = window, data_range

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return 1 - ms_ssim(prediction, target, window=self.window,
                           data_range=self.data_range).mean()
