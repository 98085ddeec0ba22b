"""Reading weight files that other projects publish, without running pickled code."""
from __future__ import annotations

from pathlib import Path

import torch

from ..errors import DustoffError


def read_tensor_file(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a ``.pth``/``.pt`` or ``.safetensors`` file as a flat dict.

    ``.pth`` files are read with ``torch.load(weights_only=True)``, which refuses anything but
    tensors and plain containers. A dict that wraps the weights under ``state_dict`` or
    ``model`` (a common training-checkpoint layout) is unwrapped, and the ``module.`` prefix
    that DataParallel adds is removed. Raises :class:`DustoffError` for anything else.
    """
    path = Path(path)
    if not path.is_file():
        raise DustoffError(f"{path}: weight file not found")
    if path.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file
        try:
            return load_file(str(path))
        except (OSError, SafetensorError) as exc:
            raise DustoffError(f"{path}: not a readable safetensors file ({exc})") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt or unsafe files
        raise DustoffError(f"{path}: not a readable weight file ({exc.__class__.__name__})")
    for wrapper in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(wrapper), dict):
            state = state[wrapper]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor)
                                               for v in state.values()):
        raise DustoffError(f"{path}: expected a flat dict of tensors")
    return {k.removeprefix("module."): v for k, v in state.items()}
