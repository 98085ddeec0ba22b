"""Fixtures shared by the tests."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.dataset import BuildOptions, build
from dustoff.io import write_image
from helpers import textured, with_specks


@pytest.fixture
def clean() -> np.ndarray:
    return textured()


@pytest.fixture
def specked(clean):
    return with_specks(clean)


# A tiny structured-only dataset (48-px pairs of 6 made-up photos, split 4:1:1), made once per
# session, for training and benchmark tests.
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
