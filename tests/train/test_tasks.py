"""The detector task: flagged faint rims cost loss only with rim_weight, and validation counts
pixels as the benchmark does."""
from __future__ import annotations

import numpy as np
import torch

from dustoff.metrics import detection_counts
from dustoff.train.tasks import THRESHOLDS, DetectTask


def test_detector_validation_counts_like_the_benchmark():
    rng = np.random.default_rng(0)
    mask = rng.choice([0.0, 0.05, 0.5, 1.0], size=(2, 1, 8, 8)).astype(np.float32)
    logits = torch.from_numpy(rng.normal(0, 3, size=(2, 1, 8, 8)).astype(np.float32))
    batch = {"damaged": torch.zeros(2, 3, 8, 8), "mask": torch.from_numpy(mask)}
    task = DetectTask()
    stats = task.start_validation()
    task.validate(lambda _: logits, batch, stats)
    i = len(THRESHOLDS) // 2
    found = torch.sigmoid(logits).numpy() >= THRESHOLDS[i]
    counts = [detection_counts(found[k, 0], mask[k, 0]) for k in range(2)]
    for key in ("tp", "fp", "fn"):
        assert stats[key][i] == sum(c[key] for c in counts)


def test_rim_weight_decides_whether_flagging_a_faint_rim_costs_loss():
    mask = torch.tensor([[0.0, 0.05, 1.0, 0.05]]).reshape(1, 1, 1, 4)
    batch = {"damaged": torch.zeros(1, 3, 1, 4), "mask": mask}
    quiet = torch.tensor([[-6.0, -6.0, 6.0, -6.0]]).reshape(1, 1, 1, 4)
    on_rim = torch.tensor([[-6.0, 6.0, 6.0, 6.0]]).reshape(1, 1, 1, 4)
    ignored, counted = DetectTask(), DetectTask(rim_weight=1.0)
    assert ignored._loss(on_rim, batch) == ignored._loss(quiet, batch)
    assert counted._loss(on_rim, batch) > counted._loss(quiet, batch) + 1
