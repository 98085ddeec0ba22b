"""Keep freed memory inside the `dustoff` process for the next tile, instead of handing it back.

Detection allocates and frees the same few buffers of 50-150 MB for every tile of a scan (the
network's activations). By default glibc gives each such buffer its own fresh mapping from the
kernel and unmaps it when freed, so every tile pays again for the kernel to zero those pages: on a
24-megapixel scan that was 3.3-4.1 s of system time and about 1.2 s of wall time out of 11-12 s.
With large requests served from the ordinary heap and that heap never trimmed, the pages are
mapped once and reused by every later tile and file (peak memory 40-90 MB higher).

Only the command line does this: it owns its process. A Python program that calls
``dustoff.restore`` gets the same effect by starting with the environment variables
``MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647``.
"""
from __future__ import annotations

import ctypes
import sys

# mallopt parameter numbers from glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_NEVER_TRIM = 2**31 - 1  # mallopt takes a C int


def keep_freed_memory() -> bool:
    """Ask glibc's allocator to serve large requests from the heap and never trim it.

    Returns True when both settings took effect; False elsewhere (not Linux, not glibc), where
    nothing changes and everything works as before, only slower.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # trim threshold first: setting it also stops glibc from raising the mmap threshold itself
    return bool(mallopt(_M_TRIM_THRESHOLD, _NEVER_TRIM)) and bool(mallopt(_M_MMAP_MAX, 0))
