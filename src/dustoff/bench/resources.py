"""Wall time and peak memory of one call, measured inside the running process.

Peak memory is the growth of the resident set over the call: on Linux the kernel's high-water
mark (VmHWM) is reset before the call by writing 5 to /proc/self/clear_refs and read after it,
so native allocations (OpenCV, PyTorch) count too. Where that is unavailable the peak is NaN.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR = Path("/proc/self/clear_refs")


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
    """seconds : wall time; peak_mb : resident memory added at the peak of the call (MiB)."""

    seconds: float = math.nan
    peak_mb: float = math.nan


class measure:
    """Context manager filling a :class:`Usage`::

        with measure() as usage:
            work()
        usage.seconds, usage.peak_mb
    """

    def __enter__(self) -> Usage:
        self.usage = Usage()
        self._tracked = _reset_peak()
        self._before = _status_kib("VmRSS")
        self._start = time.perf_counter()
        return self.usage

    def __exit__(self, *exc) -> None:
        self.usage.seconds = time.perf_counter() - self._start
        peak = _status_kib("VmHWM")
        if self._tracked and peak is not None and self._before is not None:
            self.usage.peak_mb = max(0, peak - self._before) / 1024
