"""``dust_detector``: a light segmentation network, image -> per-pixel damage logits.

Shape of the computation (for an input of H x W):

- the image and its local contrast (image minus a 7x7 box blur, which makes dust stand out the
  same way on any brightness) are folded losslessly to half resolution (pixel unshuffle), so no
  3x3 convolution ever runs at full resolution;
- an encoder to 1/16 with dilated convolutions at the bottom gives about 200 pixels of context:
  enough to tell a speck from a star in a sky, a hair from a power line, a blotch from an object;
- a decoder with skip connections back to 1/2, then a pixel shuffle to full resolution and a
  3x3 refinement against the full-resolution contrast, which places the edges of 1-pixel hairs.

About 1.3 M parameters (2.7 MB in float16) with the default widths, most of them at 1/8 and 1/16
resolution, where they cost little time (a 1216-px tile: 0.25 s in bfloat16 on two cores,
against 0.21 s for the earlier 0.36 M-parameter widths (16, 32, 64, 96)).
"""
from __future__ import annotations

import torch
from torch import nn

from . import models
from .layers import ConvAct, box_blur, conv, pad_to_multiple, unshuffled_conv, upsample_to

MULTIPLE = 16  # the input side is padded to a multiple of this


class DustDetector(nn.Module):
    """Input (B, 3, H, W) float32 in [0, 1]; output (B, 1, H, W) logits (sigmoid -> probability
    that the pixel is damaged). Any H, W >= 1 (padded internally)."""

    task = "detect"
    widenable = True  # channels are contiguous blocks: models.widen can start wider from it

    def __init__(self, widths: tuple[int, ...] = (16, 48, 128, 192),
                 refine: tuple[int, int] = (4, 8)):
        """``widths``: channels at 1/2, 1/4, 1/8 and 1/16 resolution. ``refine``: (features the
        decoder hands to full resolution, channels of the full-resolution 3x3 refinement); at
        least (4, 1)."""
        super().__init__()
        coarse, hidden = refine
        if coarse < 4 or hidden < 1:
            raise ValueError(f"refine {tuple(refine)}: needs at least 4 features, 1 channel")
        self.config = {"widths": list(widths)}
        if tuple(refine) != (4, 8):  # files from before the option load without the key
            self.config["refine"] = [coarse, hidden]
        w1, w2, w3, w4 = widths
        self.unshuffle = nn.PixelUnshuffle(2)
        self.enc1 = nn.Sequential(ConvAct(24, w1), ConvAct(w1, w1))
        self.enc2 = nn.Sequential(ConvAct(w1, w2, stride=2), ConvAct(w2, w2))
        self.enc3 = nn.Sequential(ConvAct(w2, w3, stride=2), ConvAct(w3, w3))
        self.enc4 = nn.Sequential(ConvAct(w3, w4, stride=2), ConvAct(w4, w4, dilation=2),
                                  ConvAct(w4, w4, dilation=4))
        self.lat3, self.dec3 = nn.Conv2d(w4, w3, 1), ConvAct(w3, w3)
        self.lat2, self.dec2 = nn.Conv2d(w3, w2, 1), ConvAct(w2, w2)
        self.lat1, self.dec1 = nn.Conv2d(w2, w1, 1), ConvAct(w1, w1)
        self.head = nn.Sequential(nn.Conv2d(w1, 4 * coarse, 1), nn.PixelShuffle(2))
        self.refine = nn.Sequential(ConvAct(coarse + 3, hidden), nn.Conv2d(hidden, 1, 1))
        nn.init.constant_(self.refine[-1].bias, -4.0)  # start from "rarely damaged"

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x, (h, w) = pad_to_multiple(image, MULTIPLE)
        contrast = (x - box_blur(x, 7)) * 8
        # stage by stage, so that at inference each stage's activations are freed as soon as
        # the next no longer needs them (a 1216-px tile peaks at about half the memory);
        # the stages before the refinement run in the dtype of their weights (see core_to)
        features = torch.cat([x * 2 - 1, contrast], dim=1).to(self.enc1[0][0].weight.dtype)
        e1 = self.enc1(self.unshuffle(features))
        coarse = self._coarse(e1).to(x.dtype)
        # the first four features, the contrast, then any further features: the order of the
        # (4, 8) design, extended at the end, so that models.widen can start from it (no empty
        # part when there are none: torch.cat would then give up the channels-last layout)
        parts = [coarse[:, :4], contrast] + ([coarse[:, 4:]] if coarse.shape[1] > 4 else [])
        logits = self.refine(torch.cat(parts, dim=1))
        return logits[..., :h, :w]

    def _coarse(self, e1: torch.Tensor) -> torch.Tensor:
        """Half-resolution features (B, w1, H/2, W/2) -> full-resolution (B, coarse, H, W)."""
        e2 = self.enc2(e1)
        e3 = self.enc3(e2)
        e4 = self.enc4(e3)
        # the 1x1 lateral convolutions run before the upsampling, on fewer channels and pixels:
        # both are linear and bilinear weights sum to one, so the order does not change the sum
        d3 = self.dec3(e3 + upsample_to(self.lat3(e4), e3))
        d2 = self.dec2(e2 + upsample_to(self.lat2(d3), e2))
        d1 = self.dec1(e1 + upsample_to(self.lat1(d2), e1))
        return self.head(d1)

    def core_to(self, dtype: torch.dtype) -> "DustDetector":
        """For inference: run every stage but the full-resolution refinement in ``dtype``, in
        place; returns ``self``. Input and output stay float32.

        With bfloat16 on a CPU that has bfloat16 instructions, a tile is detected 1.25-1.45x
        faster with the same benchmark figures. The refinement stays float32: it places the
        edges against the full-resolution contrast, and in bfloat16 the benchmark lost 0.1 dB."""
        for name, stage in self.named_children():
            if name != "refine":
                stage.to(dtype)
        return self

    def fold_unshuffle(self) -> "DustDetector":
        """For inference: replace the pixel unshuffle and the first convolution after it by one
        6x6 convolution of stride 2 on the full-resolution input, in place; returns ``self``.

        The same numbers to float rounding (a 3x3 window of 2x2 cells is a 6x6 window, and the
        unshuffled grid's one cell of zero padding is two pixels), without writing the
        unshuffled copy of the input: 5-10% of a tile's detection time on a CPU."""
        if isinstance(self.unshuffle, nn.Identity):
            return self
        self.enc1[0][0] = unshuffled_conv(self.enc1[0][0], 2)
        self.unshuffle = nn.Identity()
        return self


@models.register("dust_detector", "light U-Net damage segmenter (~1.3 M parameters)")
def _dust_detector(**config) -> DustDetector:
    return DustDetector(**config)
