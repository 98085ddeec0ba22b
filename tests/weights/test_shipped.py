"""The weights shipped in the package: present, small, documented, and doing their job."""
from __future__ import annotations

import numpy as np

import dustoff
from dustoff.metrics import psnr
from dustoff.train import read_metadata
from dustoff.weights import FOLDER, packaged
from helpers import textured, with_specks


def test_shipped_files_are_small_and_carry_their_record():
    files = sorted(FOLDER.glob("*.safetensors"))
    assert {p.stem for p in files} >= {"dust_detector", "gated_inpainter"}
    assert sum(p.stat().st_size for p in files) < 10e6
    detector = read_metadata(packaged("dust_detector"))
    assert 0 < detector["info"]["threshold"] < 1
    for name in ("dust_detector", "gated_inpainter"):
        training = read_metadata(packaged(name))["info"]["training"]
        assert training["seconds"] > 0 and training["options"]["model"] == name


def test_default_restore_finds_and_repairs_dust():
    clean = textured(128, 160, seed=3)
    damaged, truth = with_specks(clean, ((30, 40), (60, 90), (20, 130), (100, 60)))
    restored, mask = dustoff.restore(damaged, return_mask=True)
    found = mask >= 0.5
    assert found[truth].mean() > 0.9
    assert found[~truth].mean() < 0.01
    assert psnr(restored, clean) > psnr(damaged, clean) + 10


def test_default_restore_leaves_a_clean_image_nearly_alone():
    clean = textured(128, 160, seed=4)
    restored = dustoff.restore(clean)
    assert np.mean(restored != clean) < 0.002
