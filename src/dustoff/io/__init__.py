"""Image files in and out: the only place where integer samples become float32 and back.

``read_scan`` / ``write_scan`` keep the file's native samples and metadata (what the pipeline and
CLI use); ``read_image`` / ``write_image`` are the convenient float32 API for Python users.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .read import DEFAULT_MAX_PIXELS, read_scan, sniff_format
from .scan import Scan, to_float, to_native
from .write import EXTENSIONS, encode, format_for_path, write_bytes, write_png8, write_scan


def read_image(path: str | os.PathLike, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read an image as float32 (H, W, C) in [0, 1], C = 1 (grey) or 3 (RGB); alpha is dropped.

    Use :func:`read_scan` to keep alpha, bit depth and metadata for writing back.

    Examples
    --------
    >>> img = read_image("samples/dusty_slide.png")  # doctest: +SKIP
    >>> img.dtype, img.shape[2]  # doctest: +SKIP
    (dtype('float32'), 3)
    """
    scan = read_scan(path, max_pixels=max_pixels)
    return scan.color_float()


def write_image(path: str | os.PathLike, image: np.ndarray, *, bit_depth: int = 8,
                like: Scan | None = None) -> Path:
    """Write a float image in [0, 1] of shape (H, W), (H, W, 1) or (H, W, 3).

    Parameters
    ----------
    path : path-like
        Destination; the extension (.png, .jpg, .tif) picks the format.
    image : ndarray, float, values in [0, 1]
    bit_depth : {8, 16}
        Sample depth of the file (ignored when ``like`` is given).
    like : Scan, optional
        A scan whose bit depth, alpha and metadata the written file takes over.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ValueError(f"image must be (H, W), (H, W, 1) or (H, W, 3), got {image.shape}")
    if like is not None:
        if like.shape != image.shape[:2] or like.color.shape[2] != image.shape[2]:
            raise ValueError(f"image {image.shape} does not match the scan {like.color.shape}")
        scan = like.with_color(to_native(image, like.color.dtype))
        scan.path = None
    else:
        if bit_depth not in (8, 16):
            raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
        dtype = np.uint8 if bit_depth == 8 else np.uint16
        scan = Scan(color=to_native(image, dtype), format=format_for_path(Path(path), "png"))
    return write_scan(scan, path)


__all__ = [
    "Scan", "read_scan", "write_scan", "write_png8", "write_bytes", "read_image", "write_image", "encode", "sniff_format",
    "to_float", "to_native", "format_for_path", "EXTENSIONS", "DEFAULT_MAX_PIXELS",
]
