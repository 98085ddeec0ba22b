"""Contact sheets of a built dataset: damaged | clean | mask triplets, one row each."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ..errors import DustoffError
from ..io import Scan, read_scan, write_scan
from .build import read_rows


def preview(dataset: Path, output: Path, *, rows: int = 8, preset: str | None = None,
            size: int | None = None, seed: int = 0) -> Path:
    """Write a contact sheet PNG of ``rows`` randomly chosen damaged pairs.

    Each row is damaged | clean | mask (mask shown white on black), labelled with the pair's id
    and preset. ``preset`` and ``size`` filter the pairs.
    """
    pairs = [r for r in read_rows(dataset) if r["kind"] == "damaged"
             and (preset is None or r.get("preset") == preset)
             and (size is None or r["size"] == size)]
    if not pairs:
        raise DustoffError(f"{dataset}: no damaged pairs match (preset={preset}, size={size})")
    rng = np.random.default_rng(seed)
    chosen = [pairs[i] for i in rng.choice(len(pairs), min(rows, len(pairs)), replace=False)]
    cell = max(r["size"] for r in chosen)
    band = 18
    sheet_rows = []
    for row in chosen:
        tiles = []
        for kind in ("damaged", "clean", "mask"):
            img = read_scan(dataset / row["files"][kind]).color
            if img.shape[2] == 1:
                img = np.repeat(img, 3, axis=2)
            tiles.append(cv2.resize(img, (cell, cell), interpolation=cv2.INTER_NEAREST))
        strip = np.concatenate(tiles, axis=1)
        label = np.full((band, strip.shape[1], 3), 255, np.uint8)
        cv2.putText(label, f"{row.get('preset', '')}  {row['id']}", (4, 13),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        sheet_rows.append(np.concatenate([label, strip], axis=0))
    sheet = np.concatenate(sheet_rows, axis=0)
    write_scan(Scan(color=np.ascontiguousarray(sheet), format="png"), output)
    return output
