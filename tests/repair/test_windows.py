"""WindowFills: the network's fill assembled from same-size windows, computed only where wanted."""
from __future__ import annotations

import numpy as np

from dustoff.repair.windows import WindowFills
from helpers import textured


def _recording(calls):
    """A fake network that darkens holes by a position-free rule, recording window shapes."""
    def network(windows, holes):
        calls.append(windows.shape)
        return np.where(holes[..., None], windows * 0.5, windows)
    return network


def test_crops_assemble_the_windows_fills_at_the_right_places():
    image = textured(70, 90)
    hole = np.zeros((70, 90), bool)
    hole[5:60, 40:43] = True            # a long scratch over several cells
    hole[62:66, 2:6] = True             # a blotch in a corner cell
    calls = []
    fills = WindowFills(_recording(calls), image, hole, hole, cell=16, margin=4, batch=3)
    whole = fills.crop(slice(0, 70), slice(0, 90))
    assert np.allclose(whole[hole], image[hole] * 0.5)
    assert np.array_equal(whole[~hole], image[~hole])
    part = fills.crop(slice(10, 50), slice(30, 60))
    assert np.array_equal(part, whole[10:50, 30:60])
    assert len({shape for shape in calls}) == 1 and calls[0][1:3] == (24, 24)
    assert sum(shape[0] for shape in calls) == int(fills.active.sum()) == 5 + 1


def test_only_cells_holding_wanted_pixels_are_computed_and_old_ones_are_dropped():
    image = (textured(64, 64) * 65535).astype(np.uint16)
    hole = np.zeros((64, 64), bool)
    hole[2:5, 2:5] = True               # unknown to the network, but not wanted
    hole[40:44, 40:60] = True
    calls = []
    fills = WindowFills(_recording(calls), image, hole, hole & (np.arange(64) >= 30)[:, None],
                        cell=16, margin=4)
    out = fills.crop(slice(0, 64), slice(0, 64))
    assert out.dtype == np.float32 and sum(shape[0] for shape in calls) == 2
    assert np.allclose(out[2:5, 2:5], image[2:5, 2:5] / 65535.0)       # not computed
    assert np.allclose(out[40:44, 40:60], image[40:44, 40:60] / 65535.0 * 0.5)
    fills.forget_above(48)
    assert fills.done == {}


def test_a_scan_smaller_than_a_window_is_one_window_run_once():
    image = textured(20, 300)
    hole = np.zeros((20, 300), bool)
    hole[8:10, 10:290] = True
    calls = []
    WindowFills(_recording(calls), image, hole, hole).crop(slice(0, 20), slice(0, 300))
    assert calls == [(1, 20, 300, 3)]
