"""Damage detectors: ``detector(image float32 (H, W, C) in [0, 1]) -> mask float32 (H, W)``.

Each registers itself in :data:`dustoff.registry.detectors` and exposes ``context``, the tile
overlap in pixels it needs.
"""
from .classical import POLARITIES, ClassicalDetector, luminance
from .learned import LearnedDetector

__all__ = ["ClassicalDetector", "LearnedDetector", "POLARITIES", "luminance"]
