"""Training losses of Ivanova et al. (VISAPP 2022) for end-to-end restoration networks.

All take a prediction and a target, (B, 3, H, W) float32 RGB in [0, 1], and return a scalar.

The perceptual loss compares VGG16 activations at relu1_2, relu2_2, relu3_3, relu4_3 and relu5_3
(the paper's layers 5, 12, 22, 32, 42), with per-layer weights, in two terms (Johnson et al.
2016, as adapted by DeOldify/fast.ai, which the paper builds on):

- content: ``sum_i w_i * d(phi_i(pred), phi_i(target))``;
- style: ``sum_i w_i * STYLE_SCALE * MAE(G_i(pred), G_i(target))`` with ``G`` the Gram matrix
  of the layer's activations divided by C*H*W (the paper weights both sums alike);
- plus a pixel term ``MAE(pred, target)``.

The VGG16 is the anti-aliased one shipped in ``stlpips-pytorch`` (trained on perceptual
similarity, not ImageNet; see :mod:`dustoff.metrics.lpips`), fed with LPIPS's input scaling.
LPIPS normalises every channel before comparing, so nothing fixed the raw scale of these
activations: relu5_3's are about 100 times larger than relu2_2's, which would make relu5_3
outweigh every layer weight. ``phi_i`` is therefore each layer's activation divided by
:data:`LAYER_SCALES`, its mean on clean photographs, so that the paper's layer weights mean what
they say. :data:`STYLE_SCALE` then puts the style sum at about half the content sum on damaged
inputs (fast.ai's ``w**2 * 5e3`` was set for ImageNet VGG16-BN features and would make the
style term a thousand times the content term here).

Named losses (:data:`LOSSES`): ``mse`` (the paper's baseline), ``model1`` (weights 0, 0, 20, 70,
10; MAE), ``model2`` (2, 4, 5, 6, 6; MAE) and ``model3`` (model 2's weights, 1 - SSIM with a 5x5
window as the content distance and as an extra term between prediction and target; MAE in the
style and pixel terms).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .metrics.differentiable import ssim

#: Mean activation of relu1_2 ... relu5_3 on 81 clean 128-px crops of the photographs
#: (`dustoff dataset build --sizes 64 128 256 --seed 1`; 64- and 256-px crops give the same
#: within 30%, and the train split of the seed-0 build, 0.030, 0.012, 0.012, 0.072, 2.92, within
#: 20%). Only the order of magnitude matters: these put the five layers on one scale.
LAYER_SCALES = (0.032, 0.013, 0.0146, 0.0754, 2.92)
#: Gram-matrix differences of the scaled features are about 2e-3 per layer on damaged inputs,
#: against about 0.1-0.45 for the content distances; this brings the style sum to about half.
STYLE_SCALE = 100.0
#: SSIM window of Model 3's self-similarity loss.
SSIM_WINDOW = 5


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C): channel co-activations, divided by C*H*W."""
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


def ssim_distance(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """1 - SSIM (5x5 window), averaged over the batch. On feature maps the SSIM constants are
    those of a [0, 1] image, as in the common pytorch-ssim implementation the paper used. Maps
    smaller than the window (relu5_3 of inputs under 64 px) use the largest odd window that fits."""
    side = min(SSIM_WINDOW, *x.shape[-2:])
    window = side if side % 2 else side - 1
    return 1 - ssim(x, y, window=window, data_range=1.0).mean()


class VGGFeatures(nn.Module):
    """Frozen VGG16 trunk: (B, 3, H, W) in [0, 1] -> the five activations relu1_2 ... relu5_3."""

    def __init__(self, weights=None):
        super().__init__()
        from .metrics.lpips import LPIPS

        self.lpips = LPIPS("vgg", weights=weights)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        return [f / s for f, s in zip(self.lpips.features(x), LAYER_SCALES)]

    def train(self, mode: bool = True):  # always a fixed measuring instrument
        return super().train(False)


class PerceptualLoss(nn.Module):
    """pixel MAE + content + style over VGG16 layers (see the module docstring).

    layer_weights : five weights for relu1_2 ... relu5_3.
    content : "mae" or "ssim" (1 - SSIM 5x5 between activations).
    ssim_term : weight of 1 - SSIM(pred, target) added to the loss (Model 3: 1).
    """

    def __init__(self, layer_weights, *, content: str = "mae", ssim_term: float = 0.0,
                 style: bool = True, weights=None):
        super().__init__()
        if len(layer_weights) != 5 or content not in ("mae", "ssim"):
            raise ValueError("need five layer weights and content 'mae' or 'ssim'")
        self.layer_weights = [float(w) for w in layer_weights]
        self.content, self.ssim_term, self.style = content, ssim_term, style
        self.vgg = VGGFeatures(weights)
        self.last_terms: dict[str, float] = {}

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            wanted = self.vgg(target)
        got = self.vgg(pred)
        pixel = F.l1_loss(pred, target)
        content = pred.new_zeros(())
        style = pred.new_zeros(())
        for w, fx, fy in zip(self.layer_weights, got, wanted):
            if w == 0:
                continue
            distance = F.l1_loss(fx, fy) if self.content == "mae" else ssim_distance(fx, fy)
            content = content + w * distance
            if self.style:
                style = style + w * STYLE_SCALE * F.l1_loss(gram_matrix(fx), gram_matrix(fy))
        total = pixel + content + style
        terms = {"pixel": pixel, "content": content, "style": style}
        if self.ssim_term:
            terms["ssim"] = ssim_distance(pred, target)
            total = total + self.ssim_term * terms["ssim"]
        self.last_terms = {k: float(v.detach()) for k, v in terms.items()}
        return total


class PixelMSE(nn.Module):
    """The paper's baseline: per-pixel mean squared error."""

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(pred, target)


LOSSES = {
    "mse": lambda: PixelMSE(),
    "model1": lambda: PerceptualLoss((0, 0, 20, 70, 10)),
    "model2": lambda: PerceptualLoss((2, 4, 5, 6, 6)),
    "model3": lambda: PerceptualLoss((2, 4, 5, 6, 6), content="ssim", ssim_term=1.0),
}


def make_loss(name: str) -> nn.Module:
    """The named loss of :data:`LOSSES`."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {name!r}")
    return LOSSES[name]()
