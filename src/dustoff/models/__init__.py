"""Trainable networks, registered by name: ``create_model(name, **config)`` is the one way in.

Each registered model is a ``torch.nn.Module`` with two attributes the trainer and the inference
wrappers rely on: ``task`` ("detect": image -> damage logits; "fill": image and hole mask ->
image) and ``config`` (the keyword arguments that rebuild it, stored beside every checkpoint).
Importing this package needs torch (the ``ml`` extra).
"""
from __future__ import annotations

from ..registry import Registry

models = Registry("model")


def create_model(name: str, **config):
    """Build the model registered as ``name``; ``config`` overrides its defaults."""
    model = models.create(name, **config)
    model.name = name
    return model


from . import detector, inpainter, perceptual_unet  # noqa: E402,F401  (register the models)

__all__ = ["create_model", "models"]
