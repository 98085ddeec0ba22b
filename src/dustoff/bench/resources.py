"""Wall time and peak memory of one call, measured inside the running process.

Peak memory is the larger of two views of what the call allocated at its peak:

- NumPy buffers (and every Python object), traced with :mod:`tracemalloc`;
- growth of the resident set: on Linux the kernel's high-water mark (VmHWM) is reset before
  the call by writing 5 to /proc/self/clear_refs and read after it, which catches native
  allocations (OpenCV, PyTorch) that tracemalloc does not see.

Both are lower bounds when a library reuses memory it freed earlier in the process, so the
figure is a floor of what the method needs on top of its input, not the process size.
Tracing slows Python code down, so a call is either timed or measured for memory, never both.
:func:`machine_description` names the machine the figures belong to.
"""
from __future__ import annotations

import math
import os
import platform
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


def cpu_name() -> str:
    """The CPU's model name: Linux's /proc/cpuinfo, else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description() -> str:
    """One line naming what timings depend on, e.g. ``"AMD EPYC (x86_64), 2 CPUs, Linux,
    no bfloat16 instructions"``: the detector runs in bfloat16 only on CPUs that have them
    (:mod:`dustoff.precision`), so seconds compare only between like machines."""
    from ..precision import fast_bfloat16

    bf16 = "bfloat16 instructions" if fast_bfloat16() else "no bfloat16 instructions"
    return (f"{cpu_name()} ({platform.machine()}), {os.cpu_count()} CPUs, {platform.system()}, "
            f"{bf16}")


def _status_kib(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        _CLEAR.write_text("5")
        return True
    except OSError:
        return False


@dataclass
class Usage:
    """seconds : wall time; peak_mb : memory added at the peak of the call (MiB)."""

    seconds: float = math.nan
    peak_mb: float = math.nan


class measure:
    """Context manager filling a :class:`Usage`: wall time, or with ``memory=True`` the peak
    memory (and a wall time that tracing inflates)::

        with measure() as usage:
            work()
        usage.seconds
    """

    def __init__(self, *, memory: bool = False):
        self.memory = memory

    def __enter__(self) -> Usage:
        self.usage = Usage()
        if not self.memory:
            self._start = time.perf_counter()
            return self.usage
        self._tracing = not tracemalloc.is_tracing()
        if self._tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._traced_before = tracemalloc.get_traced_memory()[0]
        self._tracked = _reset_peak()
        self._before = _status_kib("VmRSS")
        self._start = time.perf_counter()
        return self.usage

    def __exit__(self, *exc) -> None:
        self.usage.seconds = time.perf_counter() - self._start
        if not self.memory:
            return
        traced = (tracemalloc.get_traced_memory()[1] - self._traced_before) / 2 ** 20
        if self._tracing:
            tracemalloc.stop()
        peak = _status_kib("VmHWM")
        resident = math.nan
        if self._tracked and peak is not None and self._before is not None:
            resident = max(0, peak - self._before) / 1024
        self.usage.peak_mb = max(traced, 0.0) if math.isnan(resident) else max(traced, resident)
