"""How good a restoration is: fidelity to the clean image, harm outside the damage, and how well
the damage was found.

NumPy functions (no PyTorch needed): :func:`psnr`, :func:`ssim`, :func:`ms_ssim`,
:func:`delta_ssim`, :func:`masked_error`, :func:`detection_quality`. Differentiable twins for
training losses are in :mod:`dustoff.metrics.differentiable`, and the perceptual distance in
:class:`dustoff.metrics.lpips.LPIPS`; both import PyTorch.
"""
from .fidelity import PSNR_CAP, delta_ssim, ms_ssim, psnr, ssim
from .regions import (VISIBLE_OPACITY, binary_mask, detection_counts, detection_quality,
                      detection_scores, masked_error)

__all__ = ["PSNR_CAP", "VISIBLE_OPACITY", "binary_mask", "delta_ssim", "detection_counts",
           "detection_quality", "detection_scores", "masked_error", "ms_ssim", "psnr", "ssim"]
