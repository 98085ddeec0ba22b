"""Regions and their crops: connected components with context, and groups of overlapping crops."""
from __future__ import annotations

import numpy as np

from dustoff.repair.regions import find_regions, merge_crops


def test_crops_that_overlap_directly_or_through_others_share_a_box():
    mask = np.zeros((300, 300), bool)
    mask[20:22, 20:60] = mask[30:32, 70:120] = mask[40:42, 130:170] = True   # a chain
    mask[250:253, 250:253] = True                                            # alone
    _, regions = find_regions(mask)
    group, boxes = merge_crops(regions, mask.shape)
    assert list(group) == [0, 0, 0, 1] and len(boxes) == 2
    for region, g in zip(regions, group):
        rows, cols = boxes[g]
        assert rows.start <= region.rows.start and region.rows.stop <= rows.stop
        assert cols.start <= region.cols.start and region.cols.stop <= cols.stop
    assert boxes[1] == (regions[3].rows, regions[3].cols)


def test_no_regions_no_groups():
    group, boxes = merge_crops([], (10, 10))
    assert group.shape == (0,) and boxes == []
