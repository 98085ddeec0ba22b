"""Synthetic damage with ground truth: ``synthesize(image, preset("slide"), seed=0)``.

See :mod:`dustoff.damage.config` for every parameter and the presets slide, negative, print,
cine and painting.
"""
from .config import CLASSES, PRESETS, DamageConfig, load_config, preset
from .synth import DamageResult, synthesize

__all__ = ["synthesize", "DamageResult", "DamageConfig", "preset", "load_config", "PRESETS",
           "CLASSES"]
