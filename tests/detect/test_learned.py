"""The learned detector's wrapper: threshold from the weight file, sensitivity, polarity."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.detect.learned import LearnedDetector, _keep_polarity, threshold_for
from dustoff.models import create_model
from dustoff.train import save_model


@pytest.fixture
def tiny_weights(tmp_path):
    model = create_model("dust_detector", widths=[4, 8, 8, 8])
    return str(save_model(model, tmp_path / "det.safetensors", info={"threshold": 0.3}))


def test_sensitivity_moves_around_the_stored_threshold():
    assert threshold_for(0.3, 0.5) == pytest.approx(0.3)
    values = [threshold_for(0.3, s) for s in (0.0, 0.25, 0.5, 0.75, 1.0)]
    assert values == sorted(values, reverse=True)
    assert 0 < values[-1] < values[0] < 1


def test_detector_reads_its_threshold_and_gives_a_binary_mask(tiny_weights):
    detector = LearnedDetector(weights=tiny_weights)
    assert detector.threshold == pytest.approx(0.3)
    image = np.random.default_rng(0).random((45, 70, 3), dtype=np.float32)
    mask = detector(image)
    assert mask.shape == (45, 70) and mask.dtype == np.float32
    assert set(np.unique(mask)) <= {0.0, 1.0}
    grey = detector(image[:, :, :1])
    assert grey.shape == (45, 70)
    more = LearnedDetector(sensitivity=1.0, weights=tiny_weights)(image)
    assert more.sum() >= mask.sum()


def test_polarity_keeps_dark_or_light_components():
    luma = np.full((60, 60), 0.5, np.float32)
    luma[10:14, 10:14] = 0.1   # dark speck
    luma[40:44, 40:44] = 0.9   # light speck
    found = np.zeros((60, 60), bool)
    found[10:14, 10:14] = found[40:44, 40:44] = True
    dark = _keep_polarity(luma, found, "dark")
    light = _keep_polarity(luma, found, "light")
    assert dark[11, 11] and not dark[41, 41]
    assert light[41, 41] and not light[11, 11]


def test_bad_options_are_refused(tiny_weights):
    with pytest.raises(ValueError, match="polarity"):
        LearnedDetector(polarity="sideways", weights=tiny_weights)
    with pytest.raises(ValueError, match="sensitivity"):
        LearnedDetector(sensitivity=2, weights=tiny_weights)
    with pytest.raises(ValueError, match="passes"):
        LearnedDetector(passes=3, weights=tiny_weights)
    with pytest.raises(ValueError, match="precision"):
        LearnedDetector(precision="float16", weights=tiny_weights)


def test_precision_bfloat16_runs_on_a_copy_and_agrees_with_float32(tiny_weights):
    import torch

    from dustoff.precision import fast_bfloat16

    image = np.random.default_rng(2).random((45, 70, 3), dtype=np.float32)
    exact = LearnedDetector(weights=tiny_weights, precision="float32")
    fast = LearnedDetector(weights=tiny_weights, precision="bfloat16")
    auto = LearnedDetector(weights=tiny_weights)
    assert exact.model.enc2[0][0].weight.dtype == torch.float32  # the shared model is intact
    assert fast.model.enc2[0][0].weight.dtype == torch.bfloat16
    expected = torch.bfloat16 if fast_bfloat16() else torch.float32
    assert auto.model.enc2[0][0].weight.dtype == expected
    p, q = exact.probability(image), fast.probability(image)
    assert q.dtype == np.float32 and q.shape == p.shape
    np.testing.assert_allclose(q, p, atol=0.02)


def test_averaging_passes_undo_their_views(tiny_weights):
    """One pass is the plain network; 8 passes average over all the square's symmetries, so
    mirroring or turning the image mirrors or turns the probabilities exactly."""
    image = np.random.default_rng(1).random((33, 47, 3), dtype=np.float32)
    one = LearnedDetector(weights=tiny_weights)
    two = LearnedDetector(weights=tiny_weights, passes=2)
    eight = LearnedDetector(weights=tiny_weights, passes=8)
    mirrored = np.ascontiguousarray(image[:, ::-1])
    # two passes = mean logit of the image and of its mirror image, mapped back
    logit = np.log(one.probability(image)) - np.log1p(-one.probability(image))
    logit_m = np.log(one.probability(mirrored)) - np.log1p(-one.probability(mirrored))
    expected = 1 / (1 + np.exp(-(logit + logit_m[:, ::-1]) / 2))
    np.testing.assert_allclose(two.probability(image), expected, atol=1e-5)
    p = eight.probability(image)
    assert p.shape == (33, 47) and p.dtype == np.float32
    np.testing.assert_allclose(eight.probability(mirrored)[:, ::-1], p, atol=1e-5)
    turned = np.ascontiguousarray(np.rot90(image))
    np.testing.assert_allclose(np.rot90(eight.probability(turned), -1), p, atol=1e-5)
