"""Fillers: ``filler.fill(image float32 (H, W, C), mask (H, W)) -> image``; grain; regions.

Each registers itself in :data:`dustoff.registry.fillers`.
"""
from .fillers import BiharmonicFiller, CropFiller, OpenCVFiller
from .grain import add_grain
from .learned import LearnedFiller

__all__ = ["CropFiller", "OpenCVFiller", "BiharmonicFiller", "LearnedFiller", "add_grain"]
