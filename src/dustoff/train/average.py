"""Weight averaging ("model soup", Wortsman et al., ICML 2022) of trained runs of one network.

Runs fine-tuned from a common ancestor lie in one basin of the loss, so the mean of their
weights is a network of its own that often keeps the strengths of both. Its operating threshold
is chosen again on validation (:func:`dustoff.train.loop.validate`), never copied from a source.
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import DustoffError
from .checkpoint import load_model


def average_models(paths: list[str | Path]) -> torch.nn.Module:
    """The element-wise mean of the float weights of the model files ``paths`` (float32).

    All files must hold the same registered model with the same config; integer buffers (batch
    norm's step counters) are taken from the first file.
    """
    if len(paths) < 2:
        raise DustoffError("averaging needs at least two model files")
    loaded = [load_model(path) for path in paths]
    first = loaded[0][0]
    for path, (model, _) in zip(paths[1:], loaded[1:]):
        if model.name != first.name or model.config != first.config:
            raise DustoffError(f"{path}: {model.name} {model.config} cannot be averaged with "
                               f"{first.name} {first.config}")
    states = [model.state_dict() for model, _ in loaded]
    mean = {key: (torch.stack([s[key] for s in states]).mean(0)
                  if value.is_floating_point() else value)
            for key, value in states[0].items()}
    first.load_state_dict(mean)
    return first.eval()
