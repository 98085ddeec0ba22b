"""Fixtures shared by the tests."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import textured, with_specks


@pytest.fixture
def clean() -> np.ndarray:
    return textured()


@pytest.fixture
def specked(clean):
    return with_specks(clean)
