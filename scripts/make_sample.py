"""Rebuild the bundled demo image `samples/dusty_slide.png` from a clean photograph.

    python scripts/make_sample.py [--photos ../shared/data/photos]

Recipe: the CC0 photo "seeding" by Clements Engelhardt (lomiri-wallpapers), area-resized to
960 px wide, damaged with dark dust specks and hairs (seed 7) as on a dusty slide scan. The
ground-truth mask is written beside it for the tests.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from dustoff.damage.specks import SpeckConfig, add_specks
from dustoff.io import Scan, read_scan, to_native, write_scan

PHOTO = "lomiri__seeding_by_Clements_Engelhardt.jpg"


def main() -> None:
    here = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=here.parent / "shared/data/photos")
    args = parser.parse_args()
    image = read_scan(args.photos / PHOTO).color_float()
    width = 960
    height = round(image.shape[0] * width / image.shape[1])
    small = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    damaged, mask = add_specks(small, SpeckConfig(density=350, hairs_per_mp=12), seed=7)
    out = here / "samples"
    write_scan(Scan(color=to_native(damaged, np.uint8), format="png"), out / "dusty_slide.png")
    write_scan(Scan(color=to_native(mask, np.uint8)[:, :, None], format="png"),
               out / "dusty_slide.truth.png")


if __name__ == "__main__":
    main()
