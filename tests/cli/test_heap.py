"""The command line keeps freed tile buffers for reuse instead of faulting in fresh pages."""
import subprocess
import sys

import pytest

from dustoff.cli.heap import keep_freed_memory

# Allocates, fills and frees a 128 MB buffer with plain malloc (as PyTorch's CPU allocator does),
# then does it again, and prints the page faults of the second round: with the heap kept, the
# second buffer reuses the first one's pages.
_PROBE = """
import ctypes, resource, sys
from dustoff.cli.heap import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == "keep" else False
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
size = 128 * 2**20
def fill_and_free():
    buffer = libc.malloc(size)
    ctypes.memset(buffer, 1, size)
    libc.free(buffer)
fill_and_free()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
fill_and_free()
print(int(took), resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _second_round_faults(mode: str) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True,
                         check=True).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator only")
def test_kept_heap_reuses_pages_of_freed_buffers():
    took, kept_faults = _second_round_faults("keep")
    if not took:
        pytest.skip("not glibc")
    _, default_faults = _second_round_faults("default")
    pages = 128 * 2**20 // 4096
    assert default_faults > pages // 2  # by default every 128 MB buffer is faulted in anew
    assert kept_faults < pages // 20
