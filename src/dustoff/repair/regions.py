"""Boxes around each damaged region, so fillers work on small crops instead of whole scans."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Region:
    """One connected damaged region and the crop to repair it in.

    ``rows``/``cols`` slice the crop out of the full image; ``label`` identifies the region's own
    pixels in the label image returned alongside, so overlapping crops write only their own pixels.
    """

    label: int
    rows: slice
    cols: slice


def find_regions(mask: np.ndarray, *, margin: int = 16, max_margin: int = 64):
    """Connected regions of a boolean mask with a context margin around each.

    The margin grows with the region (up to ``max_margin``) so that grain can be borrowed from a
    clean neighbourhood at least as large as the region itself.

    Parameters
    ----------
    mask : ndarray, bool, shape (H, W)

    Returns
    -------
    labels : ndarray, int32, shape (H, W); 0 outside the mask
    regions : list of Region
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity=8)
    h, w = mask.shape
    regions = []
    for i in range(1, n):
        x, y, bw, bh = stats[i, :4]
        m = int(min(max(margin, margin + min(bw, bh)), max_margin))
        regions.append(Region(i, slice(max(0, y - m), min(h, y + bh + m)),
                              slice(max(0, x - m), min(w, x + bw + m))))
    return labels, regions


def merge_crops(regions: list[Region], shape: tuple[int, int]) -> tuple[np.ndarray, list]:
    """Group regions whose crops overlap, directly or through others.

    Parameters
    ----------
    regions : list of Region
    shape : (H, W) of the image the crops slice

    Returns
    -------
    group : ndarray, int, shape (len(regions),); the group of each region
    boxes : list of (rows slice, cols slice), one per group: the smallest box holding the crops
        of all its regions
    """
    cover = np.zeros(shape, np.uint8)
    for region in regions:
        cover[region.rows, region.cols] = 1
    _, groups, stats, _ = cv2.connectedComponentsWithStats(cover, connectivity=4)
    # each crop lies inside one component: its top-left pixel names it
    found = np.array([groups[r.rows.start, r.cols.start] for r in regions], int)
    ids, group = np.unique(found, return_inverse=True)
    boxes = [(slice(y, y + bh), slice(x, x + bw)) for x, y, bw, bh in stats[ids, :4]]
    return group.reshape(-1), boxes
