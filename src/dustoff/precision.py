"""The number format a network runs in on this CPU: float32, or bfloat16 where it is fast."""
from __future__ import annotations

#: What ``precision`` options accept: "auto" is bfloat16 where :func:`fast_bfloat16`, else float32.
PRECISIONS = ("auto", "float32", "bfloat16")


def fast_bfloat16() -> bool:
    """True when this CPU has bfloat16 instructions (x86 AVX512-BF16 or AMX-BF16), on which
    oneDNN runs bfloat16 convolutions about twice as fast as float32 ones (elsewhere it
    emulates them, slower than float32)."""
    import torch

    capabilities = torch.cpu.get_capabilities()
    return bool(capabilities.get("avx512_bf16") or capabilities.get("amx_bf16"))


def use_bfloat16(precision: str) -> bool:
    """Whether ``precision`` (one of :data:`PRECISIONS`) means bfloat16 on this CPU; ValueError
    for anything else."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    return precision == "bfloat16" or (precision == "auto" and fast_bfloat16())
