"""A tiny structured-only dataset for training tests (made once per session)."""
from __future__ import annotations

import pytest

from dustoff.dataset import BuildOptions, build
from dustoff.io import write_image
from helpers import textured

TINY_DETECTOR = '{"widths": [4, 8, 8, 8]}'
TINY_INPAINTER = '{"widths": [4, 8, 8]}'


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    photos = root / "photos"
    photos.mkdir()
    for i in range(6):
        write_image(photos / f"photo{i}.png", textured(120, 160, seed=i))
    out = root / "dataset"
    build(photos, out, BuildOptions(sizes=(48,), split=(4, 1, 1), per_image=2,
                                    clean_per_split=1, structured_only=True), progress=False)
    return out
