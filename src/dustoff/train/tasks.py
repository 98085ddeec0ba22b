"""What a model learns and how it is scored on validation, per model ``task``.

A task turns a batch (dict of ``damaged``, ``clean`` (B, 3, H, W) and ``mask`` (B, 1, H, W),
float32 in [0, 1]) into a scalar training loss, and accumulates validation statistics into
figures (the first one named by ``key`` picks the best checkpoint, higher is better).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..detect.views import dihedral_views
from ..metrics.differentiable import SSIMLoss
from ..metrics.regions import VISIBLE_OPACITY

# Candidate operating points, even in logit space from 0.02 to 0.998 (the loss weights damage
# up, so the best threshold sits high).
THRESHOLDS = 1 / (1 + np.exp(-np.linspace(-4, 6, 81)))


def _visible(mask: torch.Tensor) -> torch.Tensor:
    return (mask >= VISIBLE_OPACITY).float()


class DetectTask:
    """Damage segmentation: class-balanced binary cross-entropy plus soft Dice on the visible
    damage (opacity >= 0.1, the benchmark's definition). Damage is 1-2% of the pixels, so a
    plain mean would let the network settle on "nothing is damaged"; here the damaged pixels'
    mean loss counts ``pos_weight`` times the clean pixels' mean loss (Dice also balances).
    Pixels on the faint rims of damage (0 < opacity < 0.1) count as undamaged with weight
    ``rim_weight`` (0: not scored either way). Validation: pixel F1 at the best threshold,
    which is stored with the weights as the operating point; there, as on the benchmark, a
    flagged rim pixel is a false hit.

    Distillation (``teacher``: a detector model file): the network also learns the teacher's
    probabilities averaged over ``teacher_passes`` mirrored and turned views of each training
    crop (what ``--passes`` computes at inference, at that many times the cost), weighted
    ``distill``: the excess binary cross-entropy over the teacher's own (zero where the two
    agree), balanced like the main term, rims counted as undamaged. A single pass can thus
    learn some of what averaging gains. Validation scores the ground truth only."""

    key = "f1"

    def __init__(self, pos_weight: float = 0.5, dice: float = 1.0, rim_weight: float = 0.0,
                 teacher: str | None = None, teacher_passes: int = 8, distill: float = 1.0):
        self.pos_weight, self.dice, self.rim_weight = pos_weight, dice, rim_weight
        self.teacher, self.teacher_views, self.distill = None, None, distill
        if teacher is not None:
            from .checkpoint import load_model

            self.teacher, _ = load_model(teacher)
            if getattr(self.teacher, "task", None) != "detect":
                raise ValueError(f"teacher {teacher} is not a detector")
            self.teacher.requires_grad_(False)
            self.teacher_views = dihedral_views(teacher_passes, axes=(-2, -1))

    def loss(self, model, batch) -> torch.Tensor:
        logits = model(batch["damaged"])
        loss = self._loss(logits, batch)
        if self.teacher is not None:
            loss = loss + self.distill * self._distillation(logits, batch)
        return loss

    @torch.no_grad()
    def teacher_logits(self, image: torch.Tensor) -> torch.Tensor:
        """The teacher's logits (B, 1, H, W), averaged over its views of ``image``
        (B, 3, H, W) float32 in [0, 1]."""
        self.teacher.to(image.device).eval()
        total = sum(undo(self.teacher(view(image))) for view, undo in self.teacher_views)
        return total / len(self.teacher_views)

    def _distillation(self, logits: torch.Tensor, batch) -> torch.Tensor:
        taught = self.teacher_logits(batch["damaged"])
        soft = torch.sigmoid(taught)
        excess = F.binary_cross_entropy_with_logits(logits, soft, reduction="none") \
            - F.binary_cross_entropy_with_logits(taught, soft, reduction="none")
        positive = _visible(batch["mask"])
        return self._balanced(excess, positive, 1 - positive)

    def _balanced(self, per_pixel: torch.Tensor, positive: torch.Tensor,
                  negative: torch.Tensor) -> torch.Tensor:
        """Mean of ``per_pixel`` over the (weighted) ``negative`` pixels plus ``pos_weight``
        times its mean over the ``positive`` ones; all (B, 1, H, W)."""
        return (per_pixel * negative).sum() / negative.sum().clamp(min=1) \
            + self.pos_weight * (per_pixel * positive).sum() / positive.sum().clamp(min=1)

    def _loss(self, logits: torch.Tensor, batch) -> torch.Tensor:
        target = _visible(batch["mask"])
        weight = torch.where((batch["mask"] > 0) & (target == 0), self.rim_weight, 1.0)
        per_pixel = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        bce = self._balanced(per_pixel, weight * target, weight * (1 - target))
        prob = torch.sigmoid(logits) * weight
        inter = (prob * target).sum()
        dice = 1 - (2 * inter + 1) / (prob.sum() + target.sum() + 1)
        return bce + self.dice * dice

    def start_validation(self) -> dict:
        n = len(THRESHOLDS)
        return {"tp": np.zeros(n), "fp": np.zeros(n), "fn": np.zeros(n), "loss": 0.0, "n": 0}

    @torch.no_grad()
    def validate(self, model, batch, stats: dict) -> None:
        logits = model(batch["damaged"])
        stats["loss"] += float(self._loss(logits, batch)) * len(logits)
        stats["n"] += len(logits)
        prob = torch.sigmoid(logits).flatten().cpu().numpy()
        truth = _visible(batch["mask"]).flatten().cpu().numpy() > 0
        for i, t in enumerate(THRESHOLDS):
            found = prob >= t
            stats["tp"][i] += np.count_nonzero(found & truth)
            stats["fp"][i] += np.count_nonzero(found & ~truth)
            stats["fn"][i] += np.count_nonzero(~found & truth)

    def figures(self, stats: dict) -> dict:
        tp, fp, fn = stats["tp"], stats["fp"], stats["fn"]
        f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
        best = int(np.argmax(f1))
        return {"f1": float(f1[best]), "threshold": float(THRESHOLDS[best]),
                "precision": float(tp[best] / max(tp[best] + fp[best], 1)),
                "recall": float(tp[best] / max(tp[best] + fn[best], 1)),
                "val_loss": stats["loss"] / max(stats["n"], 1)}


def training_hole(mask: torch.Tensor, *, grow: int = 1) -> torch.Tensor:
    """The hole a filler is trained to fill: the visible damage, dilated by ``grow`` pixels (as
    the pipeline does before filling), (B, 1, H, W) in {0, 1}."""
    hole = _visible(mask)
    if grow > 0:
        hole = F.max_pool2d(hole, 2 * grow + 1, stride=1, padding=grow)
    return hole


class FillTask:
    """In-painting: L1 inside the hole (what the filler is responsible for) plus 1 - SSIM (5x5)
    of the composite, which rewards texture and grain over a blurred mean. Pairs must be
    structured-only (clean and damaged equal outside the mask). Validation: PSNR inside the
    hole (higher is better) and SSIM of the composite."""

    key = "hole_psnr"

    def __init__(self, ssim: float = 0.2, grow: int = 1):
        self.ssim_weight, self.grow = ssim, grow
        self.ssim = SSIMLoss(window=5)

    def _predict(self, model, batch):
        hole = training_hole(batch["mask"], grow=self.grow)
        return model(batch["damaged"], hole), hole

    def loss(self, model, batch) -> torch.Tensor:
        return self._loss(*self._predict(model, batch), batch)

    def _loss(self, out: torch.Tensor, hole: torch.Tensor, batch) -> torch.Tensor:
        l1 = ((out - batch["clean"]).abs() * hole).sum() / (3 * hole.sum() + 1)
        return l1 + self.ssim_weight * self.ssim(out, batch["clean"])

    def start_validation(self) -> dict:
        return {"se": 0.0, "hole": 0.0, "ssim": 0.0, "loss": 0.0, "n": 0}

    @torch.no_grad()
    def validate(self, model, batch, stats: dict) -> None:
        out, hole = self._predict(model, batch)
        n = len(out)
        stats["se"] += float((((out - batch["clean"]) ** 2) * hole).sum())
        stats["hole"] += 3 * float(hole.sum())
        stats["ssim"] += (1 - float(self.ssim(out, batch["clean"]))) * n
        stats["loss"] += float(self._loss(out, hole, batch)) * n
        stats["n"] += n

    def figures(self, stats: dict) -> dict:
        mse = stats["se"] / max(stats["hole"], 1)
        return {"hole_psnr": float(10 * np.log10(1 / max(mse, 1e-10))),
                "ssim": stats["ssim"] / max(stats["n"], 1),
                "val_loss": stats["loss"] / max(stats["n"], 1)}


class RestoreTask:
    """End-to-end restoration: the model maps the damaged image to the clean one, trained with
    a named loss of :mod:`dustoff.losses` ("mse", "model1", "model2", "model3"). Validation: SSIM
    (11x11 Gaussian window, the paper's measure) and PSNR of the whole image against the clean
    one; the best checkpoint is the one with the highest SSIM."""

    key = "ssim"

    def __init__(self, loss: str = "model3"):
        from ..losses import make_loss

        self.criterion = make_loss(loss)
        self._moved = False

    def _criterion(self, like: torch.Tensor):
        if not self._moved:
            self.criterion = self.criterion.to(like.device)
            self._moved = True
        return self.criterion

    def loss(self, model, batch) -> torch.Tensor:
        return self._criterion(batch["clean"])(model(batch["damaged"]), batch["clean"])

    def start_validation(self) -> dict:
        return {"ssim": 0.0, "psnr": 0.0, "loss": 0.0, "n": 0}

    @torch.no_grad()
    def validate(self, model, batch, stats: dict) -> None:
        from ..metrics.differentiable import psnr, ssim

        out = model(batch["damaged"])
        n = len(out)
        stats["ssim"] += float(ssim(out, batch["clean"]).sum())
        stats["psnr"] += float(psnr(out, batch["clean"]).sum())
        stats["loss"] += float(self._criterion(out)(out, batch["clean"])) * n
        stats["n"] += n

    def figures(self, stats: dict) -> dict:
        n = max(stats["n"], 1)
        return {"ssim": stats["ssim"] / n, "psnr": stats["psnr"] / n, "val_loss": stats["loss"] / n}


TASKS = {"detect": DetectTask, "fill": FillTask, "restore": RestoreTask}
