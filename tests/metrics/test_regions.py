"""In-mask / out-of-mask error and detection scores on hand-computed cases."""
from __future__ import annotations

import math

import numpy as np
import pytest

from dustoff.metrics import binary_mask, detection_quality, detection_scores, masked_error


def test_masked_error_splits_the_error_at_the_mask():
    clean = np.zeros((4, 4, 3), np.float32)
    restored = clean.copy()
    restored[0, 0] = 0.5          # inside the mask
    restored[3, 3] = 0.1          # outside
    mask = np.zeros((4, 4), np.float32)
    mask[0, :2] = 1.0
    err = masked_error(restored, clean, mask)
    assert err["mae_in"] == pytest.approx(0.25)          # (0.5 + 0) / 2 pixels
    assert err["rmse_in"] == pytest.approx(math.sqrt(0.125))
    assert err["mae_out"] == pytest.approx(0.1 / 14)
    assert err["masked_fraction"] == pytest.approx(2 / 16)


def test_masked_error_of_an_empty_mask_has_no_inside():
    a = np.zeros((5, 5))
    err = masked_error(a, a, np.zeros((5, 5), bool))
    assert math.isnan(err["mae_in"]) and err["mae_out"] == 0


def test_soft_masks_count_from_the_visible_opacity():
    assert binary_mask(np.array([[0.05, 0.1, 0.9]])).tolist() == [[False, True, True]]


def test_detection_scores_by_hand():
    truth = np.zeros((4, 4), bool)
    truth[0, :3] = True                       # 3 damaged pixels
    predicted = np.zeros((4, 4), bool)
    predicted[0, 1:4] = True                  # 2 found, 1 false alarm
    q = detection_quality(predicted, truth)
    assert (q["tp"], q["fp"], q["fn"]) == (2, 1, 1)
    assert q["precision"] == pytest.approx(2 / 3) and q["recall"] == pytest.approx(2 / 3)
    assert q["f1"] == pytest.approx(2 / 3) and q["iou"] == pytest.approx(0.5)


def test_detection_on_an_undamaged_image():
    nothing = detection_scores(0, 0, 0)
    assert nothing["f1"] == 1.0 and math.isnan(nothing["precision"])
    alarm = detection_scores(0, 5, 0)
    assert alarm["precision"] == 0 and alarm["f1"] == 0 and math.isnan(alarm["recall"])


def test_mismatched_mask_is_refused():
    with pytest.raises(ValueError, match="mask must have shape"):
        masked_error(np.zeros((4, 4)), np.zeros((4, 4)), np.zeros((4, 5)))
