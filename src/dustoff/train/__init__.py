"""Training of the registered models: ``dustoff train MODEL --data DATASET``.

Needs torch (the ``ml`` extra). See :mod:`dustoff.train.loop` for the run folder's contents.
"""
from .checkpoint import load_model, read_metadata, save_model
from .loop import TrainOptions, train

__all__ = ["TrainOptions", "train", "load_model", "save_model", "read_metadata"]
