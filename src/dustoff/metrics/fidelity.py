"""Full-reference image fidelity on NumPy arrays: PSNR, SSIM, MS-SSIM and delta-SSIM.

All functions take two float images of the same shape, (H, W) or (H, W, C), values in [0, 1]
(``data_range`` otherwise). Colour images are scored per channel and averaged, as
scikit-image does with ``channel_axis=-1``. The differentiable twins for training live in
:mod:`dustoff.metrics.differentiable` and agree with these to float precision.

References
----------
Wang, Bovik, Sheikh, Simoncelli, "Image quality assessment: from error visibility to structural
similarity", IEEE TIP 2004 (SSIM, 11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03).
Wang, Simoncelli, Bovik, "Multiscale structural similarity for image quality assessment",
Asilomar 2003 (MS-SSIM, five scales and their weights).
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

#: The PSNR of identical images (otherwise infinite), so means and histograms stay finite.
PSNR_CAP = 100.0
#: Wang et al. 2003, Table 1: the weight of each scale, finest first.
MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
K1, K2, SIGMA = 0.01, 0.03, 1.5


def _pair(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"images must have the same shape, got {a.shape} and {b.shape}")
    if a.ndim == 2:
        a, b = a[:, :, None], b[:, :, None]
    if a.ndim != 3:
        raise ValueError(f"images must have shape (H, W) or (H, W, C), got {a.shape}")
    return a, b


def gaussian_window(size: int, sigma: float = SIGMA) -> np.ndarray:
    """The 1-D Gaussian taps of an SSIM window: float64 (size,), summing to 1."""
    if size < 1 or size % 2 == 0:
        raise ValueError(f"window size must be odd and positive, got {size}")
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    taps = np.exp(-(x * x) / (2 * sigma * sigma))
    return taps / taps.sum()


def psnr(restored, reference, *, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB; identical images give :data:`PSNR_CAP`."""
    a, b = _pair(restored, reference)
    mse = float(np.mean((a - b) ** 2))
    if mse == 0:
        return PSNR_CAP
    return min(PSNR_CAP, 10.0 * np.log10(data_range ** 2 / mse))


def _filtered(image: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Separable window over a (H, W) plane, keeping only positions the window fits in."""
    out = ndimage.correlate1d(image, taps, axis=0, mode="reflect")
    out = ndimage.correlate1d(out, taps, axis=1, mode="reflect")
    r = len(taps) // 2
    return out[r:out.shape[0] - r, r:out.shape[1] - r]


def _ssim_terms(a: np.ndarray, b: np.ndarray, taps: np.ndarray, data_range: float):
    """Luminance and contrast-structure maps of one plane: two float64 (H-w+1, W-w+1)."""
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_a, mu_b = _filtered(a, taps), _filtered(b, taps)
    var_a = _filtered(a * a, taps) - mu_a * mu_a
    var_b = _filtered(b * b, taps) - mu_b * mu_b
    cov = _filtered(a * b, taps) - mu_a * mu_b
    luminance = (2 * mu_a * mu_b + c1) / (mu_a * mu_a + mu_b * mu_b + c1)
    contrast_structure = (2 * cov + c2) / (var_a + var_b + c2)
    return luminance, contrast_structure


def ssim(restored, reference, *, window: int = 11, data_range: float = 1.0,
         full: bool = False):
    """Structural similarity, mean over the image and channels.

    Parameters
    ----------
    restored, reference : ndarray, float, shape (H, W) or (H, W, C), values in [0, data_range]
    window : int
        Side of the Gaussian window (sigma 1.5): 11 is the standard, 5 the window of Ivanova et
        al.'s SSIM loss. Positions where the window does not fit are left out, as in
        scikit-image; both sides must be at least ``window``.
    full : bool
        Also return the SSIM map, float64 (H - window + 1, W - window + 1), averaged over channels.

    Returns
    -------
    float in [-1, 1]; 1 for identical images.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.random.default_rng(0).random((32, 32))
    >>> ssim(a, a)
    1.0
    """
    a, b = _pair(restored, reference)
    if min(a.shape[:2]) < window:
        raise ValueError(f"images must be at least {window}x{window} for SSIM, got {a.shape[:2]}")
    taps = gaussian_window(window)
    maps = [np.multiply(*_ssim_terms(a[..., c], b[..., c], taps, data_range))
            for c in range(a.shape[2])]
    value = float(np.mean([m.mean() for m in maps]))
    return (value, np.mean(maps, axis=0)) if full else value


def ms_ssim_scales(height: int, width: int, *, window: int = 11) -> int:
    """How many of the five MS-SSIM scales an image of this size supports (the coarsest scale
    must still hold one window); at least 1."""
    scales, side = 1, min(height, width)
    while scales < len(MS_SSIM_WEIGHTS) and side // 2 >= window:
        side //= 2
        scales += 1
    return scales


def _halve(plane: np.ndarray) -> np.ndarray:
    """2x2 average, dropping an odd last row or column."""
    h, w = plane.shape[0] // 2 * 2, plane.shape[1] // 2 * 2
    p = plane[:h, :w]
    return 0.25 * (p[0::2, 0::2] + p[1::2, 0::2] + p[0::2, 1::2] + p[1::2, 1::2])


def ms_ssim(restored, reference, *, data_range: float = 1.0, window: int = 11) -> float:
    """Multi-scale SSIM (Wang et al. 2003), per channel then averaged.

    Contrast-structure is taken at every scale and luminance at the coarsest; scales are halved
    by 2x2 averaging. Images too small for all five scales (under 176 px with the 11-px window)
    use as many as fit, with their weights renormalised to sum to 1; with one scale the value
    equals :func:`ssim`. Negative terms are clipped to 0 before the fractional powers.
    """
    a, b = _pair(restored, reference)
    if min(a.shape[:2]) < window:
        raise ValueError(f"images must be at least {window}x{window} for MS-SSIM, "
                         f"got {a.shape[:2]}")
    scales = ms_ssim_scales(*a.shape[:2], window=window)
    weights = np.asarray(MS_SSIM_WEIGHTS[:scales])
    weights = weights / weights.sum()
    taps = gaussian_window(window)
    values = []
    for c in range(a.shape[2]):
        x, y = a[..., c], b[..., c]
        terms = []
        for scale in range(scales):
            luminance, cs = _ssim_terms(x, y, taps, data_range)
            last = scale == scales - 1
            terms.append(float((luminance * cs).mean() if last else cs.mean()))
            if not last:
                x, y = _halve(x), _halve(y)
        values.append(float(np.prod(np.maximum(terms, 0.0) ** weights)))
    return float(np.mean(values))


def delta_ssim(restored, damaged, clean, *, window: int = 11) -> float:
    """Ivanova et al.'s improvement measure: SSIM(restored, clean) - SSIM(damaged, clean).

    Positive when restoration brought the image closer to the clean one.
    """
    return ssim(restored, clean, window=window) - ssim(damaged, clean, window=window)
