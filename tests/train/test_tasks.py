"""The detector task: flagged faint rims cost loss only with rim_weight, validation counts
pixels as the benchmark does, and a teacher's averaged views can be distilled."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dustoff.metrics import detection_counts
from dustoff.models import create_model
from dustoff.train import save_model
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


def _tiny_detector_file(tmp_path, seed=0):
    torch.manual_seed(seed)
    model = create_model("dust_detector", widths=[4, 8, 8, 8]).eval()
    return model, str(save_model(model, tmp_path / f"det{seed}.safetensors"))


def test_teacher_logits_average_its_views_so_they_turn_with_the_image(tmp_path):
    _, path = _tiny_detector_file(tmp_path)
    task = DetectTask(teacher=path, teacher_passes=8)
    image = torch.rand(2, 3, 24, 24)
    taught = task.teacher_logits(image)
    assert taught.shape == (2, 1, 24, 24)
    torch.testing.assert_close(task.teacher_logits(image.flip(-1)), taught.flip(-1))
    torch.testing.assert_close(task.teacher_logits(image.transpose(-2, -1)),
                               taught.transpose(-2, -1))
    single = DetectTask(teacher=path, teacher_passes=1).teacher_logits(image)
    torch.testing.assert_close(single, task.teacher.eval()(image))


def test_distillation_is_zero_where_the_student_agrees_and_trains_only_the_student(tmp_path):
    teacher, path = _tiny_detector_file(tmp_path, seed=0)
    student, _ = _tiny_detector_file(tmp_path, seed=1)
    task, plain = DetectTask(teacher=path, distill=2.0), DetectTask()
    mask = torch.zeros(2, 1, 24, 24)
    mask[:, :, 8:12, 5:20] = 1.0
    batch = {"damaged": torch.rand(2, 3, 24, 24), "mask": mask}
    taught = task.teacher_logits(batch["damaged"])
    assert float(task._distillation(taught, batch)) == pytest.approx(0.0, abs=1e-6)
    assert float(task._distillation(taught + 3.0, batch)) > 0.1
    student.train()
    loss = task.loss(student, batch)
    assert loss.item() > plain.loss(student, batch).item()
    loss.backward()
    assert all(p.grad is None for p in task.teacher.parameters())
    assert all(p.grad is not None for p in student.parameters() if p.requires_grad)


def test_a_teacher_must_be_a_detector(tmp_path):
    path = save_model(create_model("gated_inpainter"), tmp_path / "fill.safetensors")
    with pytest.raises(ValueError, match="not a detector"):
        DetectTask(teacher=str(path))
