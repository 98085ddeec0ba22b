"""The square's eight symmetries as views: each one undone, the same on arrays and tensors."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dustoff.detect.views import dihedral_views


def test_the_eight_views_are_distinct_and_each_is_undone():
    image = np.arange(12).reshape(3, 4)
    views = dihedral_views(8)
    seen = {view(image).tobytes() + bytes(view(image).shape) for view, _ in views}
    assert len(seen) == 8
    for view, undo in views:
        np.testing.assert_array_equal(undo(view(image)), image)
    # a per-pixel result computed on a view comes back on the original's pixels
    for view, undo in views:
        np.testing.assert_array_equal(undo(view(image) * 10), image * 10)


def test_tensors_on_their_last_two_axes_get_the_same_views_as_arrays():
    array = np.random.default_rng(0).random((5, 7)).astype(np.float32)
    tensor = torch.from_numpy(array)[None, None].repeat(2, 3, 1, 1)
    for (view, undo), (tview, tundo) in zip(dihedral_views(8), dihedral_views(8, axes=(-2, -1))):
        np.testing.assert_array_equal(tview(tensor)[1, 2].numpy(), view(array))
        assert torch.equal(tundo(tview(tensor)), tensor)


def test_first_passes_are_the_image_then_its_mirror():
    image = np.arange(6).reshape(2, 3)
    (same, _), (mirror, _) = dihedral_views(2)
    np.testing.assert_array_equal(same(image), image)
    np.testing.assert_array_equal(mirror(image), image[:, ::-1])
    with pytest.raises(ValueError, match="passes"):
        dihedral_views(3)
