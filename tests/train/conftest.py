"""Tiny model configurations for training tests (the tiny dataset is in tests/conftest.py)."""
from __future__ import annotations

TINY_DETECTOR = '{"widths": [4, 8, 8, 8]}'
TINY_INPAINTER = '{"widths": [4, 8, 8]}'
