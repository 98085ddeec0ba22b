"""PSNR, SSIM, MS-SSIM and delta-SSIM against known values and scikit-image."""
from __future__ import annotations

import math

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from dustoff.metrics import PSNR_CAP, delta_ssim, ms_ssim, psnr, ssim
from dustoff.metrics.fidelity import K1, ms_ssim_scales
from helpers import textured


def noisy(image, sigma, seed=1):
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 1).astype(np.float32)


def test_psnr_of_a_uniform_offset_is_hand_computed():
    a = np.full((8, 8, 3), 0.5, np.float32)
    assert psnr(a + 0.1, a) == pytest.approx(20.0, abs=1e-4)  # MSE 0.01 -> 20 dB


def test_psnr_of_identical_images_is_capped_and_matches_skimage_otherwise():
    a = textured(40, 50)
    assert psnr(a, a) == PSNR_CAP
    b = noisy(a, 0.05)
    assert psnr(b, a) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=1.0), abs=1e-6)


@pytest.mark.parametrize("channels", [1, 3])
def test_ssim_11x11_gaussian_equals_scikit_image(channels):
    clean = textured(64, 72, channels=channels)
    damaged = noisy(clean, 0.08)
    reference = structural_similarity(
        clean, damaged, data_range=1.0, gaussian_weights=True, sigma=1.5,
        use_sample_covariance=False, channel_axis=-1)
    assert ssim(damaged, clean) == pytest.approx(reference, abs=1e-6)


def test_ssim_5x5_of_two_flat_images_is_the_luminance_term():
    # Flat planes have zero variance, so SSIM = (2ab + C1) / (a^2 + b^2 + C1).
    a, b = np.full((9, 9), 0.2), np.full((9, 9), 0.4)
    c1 = K1 ** 2
    assert ssim(a, b, window=5) == pytest.approx((2 * 0.08 + c1) / (0.04 + 0.16 + c1))


def test_ssim_is_one_for_identical_images_and_falls_with_noise():
    a = textured(48, 48)
    assert ssim(a, a) == 1.0 and ssim(a, a, window=5) == 1.0
    assert 1 > ssim(noisy(a, 0.02), a) > ssim(noisy(a, 0.1), a)


def test_ssim_refuses_images_smaller_than_its_window_and_mismatched_shapes():
    with pytest.raises(ValueError, match="at least 11x11"):
        ssim(np.zeros((8, 20)), np.zeros((8, 20)))
    with pytest.raises(ValueError, match="same shape"):
        ssim(np.zeros((20, 20)), np.zeros((20, 21)))


def test_ms_ssim_uses_as_many_scales_as_fit():
    assert ms_ssim_scales(512, 512) == 5
    assert ms_ssim_scales(128, 128) == 4
    assert ms_ssim_scales(20, 300) == 1


def test_ms_ssim_with_one_scale_is_ssim_and_is_one_for_identical_images():
    a = textured(20, 30)
    b = noisy(a, 0.05)
    assert ms_ssim(b, a) == pytest.approx(ssim(b, a), abs=1e-12)
    big = textured(200, 190)
    assert ms_ssim(big, big) == pytest.approx(1.0, abs=1e-12)
    assert 1 > ms_ssim(noisy(big, 0.03), big) > ms_ssim(noisy(big, 0.1), big)


def test_delta_ssim_is_the_gain_over_the_damaged_input():
    clean = textured(40, 40)
    damaged = noisy(clean, 0.1)
    assert delta_ssim(clean, damaged, clean) == pytest.approx(1 - ssim(damaged, clean))
    assert delta_ssim(damaged, damaged, clean) == 0.0
    assert math.isfinite(delta_ssim(noisy(clean, 0.2, seed=3), damaged, clean))
