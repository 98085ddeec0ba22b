"""dustoff: repair dust, hair, scratches and other physical damage on digitised analogue images.

Python API (images are float32 (H, W, C) in [0, 1] unless stated otherwise):

- :func:`read_image`, :func:`write_image` -- files to arrays and back;
- :func:`detect` -- damage mask (H, W) in [0, 1];
- :func:`restore` -- repaired image, untouched outside the damage.
"""
__version__ = "0.1.0"

from .api import detect, restore
from .io import read_image, read_scan, write_image, write_scan

__all__ = ["detect", "restore", "read_image", "write_image", "read_scan", "write_scan",
           "__version__"]
