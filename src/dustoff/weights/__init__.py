"""Trained weights shipped inside the package (safetensors; model card in docs/MODELS.md)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import DustoffError

FOLDER = Path(__file__).parent


def packaged(name: str) -> Path:
    """Path of the shipped weight file ``<name>.safetensors``."""
    return FOLDER / f"{name}.safetensors"


@lru_cache(maxsize=8)
def load(path: str):
    """The model in ``path`` (a dustoff model file), loaded once per process, in eval mode with
    its batch norms folded into the convolutions. Returns ``(model, info)``."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise DustoffError("learned methods need PyTorch (torch==2.13.0)") from None
    from ..models.layers import fold_batch_norms
    from ..train.checkpoint import load_model

    if not Path(path).is_file():
        raise DustoffError(f"{path}: weight file not found")
    model, info = load_model(path)
    return fold_batch_norms(model), info
