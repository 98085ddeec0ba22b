"""Training of the registered models: ``dustoff train MODEL --data DATASET``.

Needs torch (the ``ml`` extra). See :mod:`dustoff.train.loop` for the run folder's contents.
The training loop (and its plotting dependencies) is imported on first use, so that loading a
model file for inference (:func:`load_model`) stays quick.
"""
from .checkpoint import load_model, read_metadata, save_model

__all__ = ["TrainOptions", "train", "load_model", "save_model", "read_metadata"]


def __getattr__(name: str):
    if name in ("TrainOptions", "train"):
        from . import loop
        return getattr(loop, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
