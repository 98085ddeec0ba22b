"""dustoff.losses: known values, the layer weights of each model, gradients."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("stlpips_pytorch")

import torch.nn.functional as F  # noqa: E402

from dustoff import losses  # noqa: E402
from dustoff.losses import (LOSSES, PerceptualLoss, VGGFeatures, gram_matrix,  # noqa: E402
                            make_loss, ssim_distance)


@pytest.fixture(scope="module")
def images():
    torch.manual_seed(0)
    target = torch.rand(2, 3, 48, 48) * 0.5 + 0.25
    return target, (target + 0.1 * torch.randn_like(target)).clamp(0, 1)


def test_gram_matrix_of_known_features():
    features = torch.ones(1, 2, 2, 2)
    features[0, 1] = 2.0
    gram = gram_matrix(features)
    # <a, a> = 4, <a, b> = 8, <b, b> = 16, divided by C*H*W = 8.
    assert torch.allclose(gram, torch.tensor([[[0.5, 1.0], [1.0, 2.0]]]))


def test_mse_baseline_value():
    target = torch.zeros(1, 3, 8, 8)
    assert float(make_loss("mse")(target + 0.1, target)) == pytest.approx(0.01)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_is_zero_for_a_perfect_prediction_and_positive_otherwise(name, images):
    target, noisy = images
    loss = make_loss(name)
    assert float(loss(target, target)) == pytest.approx(0.0, abs=1e-5)
    assert float(loss(noisy, target)) > 0


def test_the_models_layer_weights_and_distances():
    assert make_loss("model1").layer_weights == [0, 0, 20, 70, 10]
    assert make_loss("model2").layer_weights == [2, 4, 5, 6, 6]
    model3 = make_loss("model3")
    assert model3.layer_weights == [2, 4, 5, 6, 6]
    assert model3.content == "ssim" and model3.ssim_term == 1.0
    assert make_loss("model2").content == "mae" and make_loss("model2").ssim_term == 0


def test_perceptual_loss_equals_its_formula_on_one_layer(images):
    target, noisy = images
    loss = PerceptualLoss((0, 3, 0, 0, 0))
    vgg = VGGFeatures()
    fx, fy = vgg(noisy)[1], vgg(target)[1]
    expected = (F.l1_loss(noisy, target) + 3 * F.l1_loss(fx, fy)
                + 3 * losses.STYLE_SCALE * F.l1_loss(gram_matrix(fx), gram_matrix(fy)))
    assert float(loss(noisy, target)) == pytest.approx(float(expected), rel=1e-5)
    terms = loss.last_terms
    assert terms["pixel"] + terms["content"] + terms["style"] == pytest.approx(
        float(expected), rel=1e-5)


def test_model3_adds_ssim_between_prediction_and_target(images):
    target, noisy = images
    model3 = make_loss("model3")
    total = float(model3(noisy, target))
    terms = model3.last_terms
    assert terms["ssim"] == pytest.approx(float(ssim_distance(noisy, target)), rel=1e-5)
    assert total == pytest.approx(sum(terms.values()), rel=1e-5)


def test_zero_weight_layers_do_not_count(images):
    """Model 1 ignores relu1_2 and relu2_2: a change only those layers see costs nothing
    beyond the pixel term... so compare against the same loss computed without them."""
    target, noisy = images
    full = PerceptualLoss((0, 0, 20, 70, 10))
    kept = PerceptualLoss((1e-12, 1e-12, 20, 70, 10))
    assert float(full(noisy, target)) == pytest.approx(float(kept(noisy, target)), rel=1e-4)


def test_more_damage_costs_more(images):
    target, _ = images
    for name in sorted(LOSSES):
        loss = make_loss(name)
        light = float(loss(F.avg_pool2d(target, 3, 1, 1), target))
        heavy = float(loss(F.avg_pool2d(target, 7, 1, 3), target))
        assert heavy > light > 0, name


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradients_reach_the_prediction_and_not_the_vgg(name, images):
    target, noisy = images
    pred = noisy.clone().requires_grad_()
    loss = make_loss(name)
    loss(pred, target).backward()
    assert pred.grad is not None and torch.isfinite(pred.grad).all()
    assert float(pred.grad.abs().sum()) > 0
    assert all(p.grad is None for p in loss.parameters())


def test_unknown_loss_is_refused():
    with pytest.raises(ValueError, match="loss must be one of"):
        make_loss("model4")
