"""The Python entry points on plain arrays: ``detect`` and ``restore``."""
from __future__ import annotations

import numpy as np

from .pipeline import RestoreOptions, detect_samples, repair_samples


def _as_hwc(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"image must have shape (H, W), (H, W, 1) or (H, W, 3), got {image.shape}")
    if image.dtype.kind == "f" and image.size and (image.min() < 0 or image.max() > 1):
        raise ValueError("float images must have values in [0, 1]")
    if image.dtype.kind not in "fu":
        raise ValueError(f"image dtype must be float or unsigned integer, got {image.dtype}")
    return image


def detect(image: np.ndarray, *, method: str = "learned", polarity: str | None = None,
           sensitivity: float = 0.5, passes: int = 1, precision: str = "auto") -> np.ndarray:
    """Find damage (dust, dirt, hairs, scratches) in an image.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C) with C in {1, 3}
        float in [0, 1], or uint8/uint16 samples.
    method : str
        A registered detector (``dustoff methods``).
    polarity : {"dark", "light", "both"}, optional
        Which damage to keep: darker or lighter than its surroundings, or both (default: the
        detector's own, "both" for "learned", "dark" for "classical").
    sensitivity : float in [0, 1]
    passes : 1, 2, 4 or 8, the learned detector's averaging over mirrored and turned views
        (``dustoff detect --passes``).
    precision : {"auto", "float32", "bfloat16"}, the learned detector's number format ("auto":
        bfloat16 on CPUs with bfloat16 instructions, float32 elsewhere).

    Returns
    -------
    mask : ndarray, float32, shape (H, W), values in [0, 1]; 1 means damaged.

    Examples
    --------
    >>> import numpy as np, dustoff
    >>> img = np.full((64, 64, 3), 0.6, np.float32); img[30:33, 30:33] = 0.1
    >>> float(dustoff.detect(img)[31, 31])
    1.0
    """
    options = RestoreOptions(detector=method, polarity=polarity, sensitivity=sensitivity,
                             passes=passes, precision=precision)
    return detect_samples(_as_hwc(image), options)


def restore(image: np.ndarray, mask: np.ndarray | None = None, *, method: str = "telea",
            detector: str = "learned", polarity: str | None = None, sensitivity: float = 0.5,
            passes: int = 1, precision: str = "auto", grain: bool = True, seed: int = 0,
            return_mask: bool = False):
    """Repair damage in an image: detect it (or use ``mask``), fill it, keep everything else.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C) with C in {1, 3}
        float in [0, 1], or uint8/uint16 samples (the result has the same dtype).
    mask : ndarray, shape (H, W), optional
        Damage to repair (bool, or float in [0, 1] where >= 0.5 is damaged); detected if None.
    method : str
        A registered filler: "telea" (default), "ns", "biharmonic", or "learned" (the
        in-painting network for hairs, scratches and blotches, Telea for specks; experimental,
        see docs/MODELS.md). Or a whole-image network ("unet-ivanova"), which restores
        the whole image end to end and ignores ``mask`` and the detection settings; its mask
        is where it changed the image visibly.
    detector, polarity, sensitivity, passes, precision
        Detection settings when ``mask`` is None (passes: the learned detector's averaging
        over 1, 2, 4 or 8 mirrored and turned views; precision: its number format, as in
        :func:`detect`).
    grain : bool
        Continue the surrounding film grain into filled regions.
    seed : int
        Makes the grain placement reproducible.
    return_mask : bool
        Also return the mask that was repaired.

    Returns
    -------
    restored : ndarray, same shape and dtype as ``image``; pixels outside the mask grown by two
        pixels are identical to the input.
    mask : ndarray, float32, shape (H, W) (only with ``return_mask=True``).
    """
    original = np.asarray(image)
    hwc = _as_hwc(original)
    options = RestoreOptions(method=method, detector=detector, polarity=polarity,
                             sensitivity=sensitivity, passes=passes, precision=precision,
                             grain=grain, seed=seed)
    if options.whole_image:
        from .whole_image import restore_samples

        restored, mask = restore_samples(hwc, method)
        restored = restored.reshape(original.shape)
        return (restored, mask) if return_mask else restored
    if mask is None:
        mask = detect_samples(hwc, options)
    else:
        mask = np.asarray(mask)
        if mask.shape != hwc.shape[:2]:
            raise ValueError(f"mask must have shape {hwc.shape[:2]}, got {mask.shape}")
        mask = mask.astype(bool) if mask.dtype == bool else mask.astype(np.float32)
    restored = repair_samples(hwc, mask, options).reshape(original.shape)
    if return_mask:
        return restored, mask.astype(np.float32)
    return restored
