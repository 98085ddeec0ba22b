"""Function-preserving widening: start a wider network from a trained narrower one of the same
design (Net2Net's idea, Chen et al., ICLR 2016, in its zero-init form).

Every tensor of the narrow model is copied into the leading block of the wide one. In weights
(out, in, ...), the rows of the new output channels keep the wide model's random
initialisation, so the new channels compute new features from everything; the columns that
feed old outputs from new inputs are set to zero, so, at the start, nothing old depends on
anything new and the network computes exactly what the narrow one did. Training then grows
those zero columns. Batch-norm statistics of new channels start at their defaults.
"""
from __future__ import annotations

import torch
from torch import nn


def embed_state(narrow: dict[str, torch.Tensor],
                wide: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The wide model's state with the narrow one embedded; raises ValueError when the two do
    not hold the same tensors or a narrow tensor is larger than its wide counterpart."""
    if narrow.keys() != wide.keys():
        missing = sorted(set(narrow) ^ set(wide))[:3]
        raise ValueError(f"the models differ in design (tensors {missing} ...)")
    out = {}
    for name, big in wide.items():
        small = narrow[name]
        if small.dim() != big.dim() or any(s > b for s, b in zip(small.shape, big.shape)):
            raise ValueError(f"{name}: {tuple(small.shape)} does not fit in {tuple(big.shape)}")
        new = big.detach().clone()
        if small.dim() == 0:
            new = small.detach().clone()
        elif small.dim() == 1:
            new[:small.shape[0]] = small
        else:
            rows, cols = small.shape[:2]
            new[:rows, cols:] = 0  # old outputs do not see new inputs (yet)
            new[tuple(slice(0, n) for n in small.shape)] = small
        out[name] = new
    return out


def widen_from(model: nn.Module, narrow: nn.Module) -> nn.Module:
    """Load ``narrow``'s weights into the wider ``model`` (same design), in place; returns
    ``model``, which then computes what ``narrow`` computes (in eval mode)."""
    model.load_state_dict(embed_state(narrow.state_dict(), model.state_dict()))
    return model
