"""Every number ``dustoff bench`` records for one restored image.

Images are float32 (H, W, C) in [0, 1]; masks float32 (H, W) in [0, 1]. Damaged inputs are
scored against their clean image (fidelity, delta-SSIM, error in and out of the true damage,
detection against the true mask); clean inputs against themselves (any change is harm).
"""
from __future__ import annotations

import math

import numpy as np

from ..metrics import PSNR_CAP, binary_mask, detection_quality, masked_error, ms_ssim, psnr, ssim
from ..restorers import changed_pixels

#: Per-image metrics, in report order, with their direction (+1: higher is better).
FIDELITY = {"psnr": 1, "ssim": 1, "ssim5": 1, "ms_ssim": 1}
DAMAGE = {"delta_ssim": 1, "mae_in": -1, "mae_out": -1, "rmse_in": -1, "rmse_out": -1}
DETECTION = {"precision": 1, "recall": 1, "f1": 1, "iou": 1}
HARM = {"changed_fraction": -1, "flagged_fraction": -1}


def directions(nets) -> dict[str, int]:
    """Every per-image metric with its direction, for LPIPS networks ``nets``."""
    lpips = {f"lpips_{net}": -1 for net in nets}
    return {**FIDELITY, **lpips, **DAMAGE, **DETECTION, **HARM}


class Scorer:
    """Holds the LPIPS networks (``nets``: any of "alex", "vgg"), loaded once; LPIPS columns
    are named ``lpips_<net>`` (lower is better). :meth:`item` prepares one benchmark input."""

    def __init__(self, nets=("alex", "vgg")):
        self.nets = tuple(nets)
        self.models = {}
        if self.nets:
            from ..metrics.lpips import LPIPS
            self.models = {net: LPIPS(net) for net in self.nets}

    def directions(self) -> dict[str, int]:
        return directions(self.nets)

    def item(self, given: np.ndarray, clean: np.ndarray, truth: np.ndarray | None,
             *, damaged: bool) -> "ItemScorer":
        return ItemScorer(self, given, clean, truth, damaged)


def _tensor(image: np.ndarray):
    import torch
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))[None]


class ItemScorer:
    """Scores restorations of one input. The clean image's LPIPS features are computed once,
    and a restoration identical to the input reuses the input's own scores (doing nothing is
    common on clean inputs), so the numbers are the same as scoring from scratch, only sooner."""

    def __init__(self, scorer: Scorer, given, clean, truth, damaged: bool):
        self.scorer, self.given, self.clean, self.truth = scorer, given, clean, truth
        self._reference = None
        self._given_scores = None
        self.input_ssim = ssim(given, clean) if damaged else None

    def _lpips(self, image: np.ndarray) -> dict[str, float]:
        if not self.scorer.models:
            return {}
        import torch
        with torch.inference_mode():
            if self._reference is None:
                self._reference = {net: model.unit_features(_tensor(self.clean))
                                   for net, model in self.scorer.models.items()}
            return {f"lpips_{net}": float(model.distance(_tensor(image), self._reference[net])[0])
                    for net, model in self.scorer.models.items()}

    def _fidelity(self, image: np.ndarray) -> dict[str, float]:
        clean = self.clean
        if np.array_equal(image, clean):  # exact values, without running the networks
            return {"psnr": PSNR_CAP, "ssim": 1.0, "ssim5": 1.0, "ms_ssim": 1.0,
                    **{f"lpips_{net}": 0.0 for net in self.scorer.nets}}
        return {"psnr": psnr(image, clean), "ssim": ssim(image, clean),
                "ssim5": ssim(image, clean, window=5), "ms_ssim": ms_ssim(image, clean),
                **self._lpips(image)}

    def __call__(self, restored: np.ndarray, treated: np.ndarray) -> dict:
        """Metrics of ``restored`` against the clean image; ``treated`` is the mask the method
        reports acting on (float (H, W), >= 0.5 counts)."""
        if np.array_equal(restored, self.given):
            if self._given_scores is None:
                self._given_scores = self._fidelity(self.given)
            scores = dict(self._given_scores)
        else:
            scores = self._fidelity(restored)
        scores["changed_fraction"] = float(changed_pixels(self.given, restored).mean())
        scores["flagged_fraction"] = float((treated >= 0.5).mean())
        if self.input_ssim is not None:
            scores["delta_ssim"] = scores["ssim"] - self.input_ssim
        if self.truth is not None:
            scores.update(masked_error(restored, self.clean, self.truth))
            scores.update(detection_quality(treated >= 0.5, binary_mask(self.truth)))
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in scores.items()}
