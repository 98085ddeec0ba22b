"""The weights shipped in the package: present, small, documented, and doing their job."""
from __future__ import annotations

import numpy as np

import dustoff
from dustoff.metrics import psnr
from dustoff.train import read_metadata
from dustoff.weights import FOLDER, packaged
from helpers import textured, with_specks


PIPELINE = ("dust_detector", "dust_detector_fast", "gated_inpainter")
#: the network each shipped file holds
NETWORK = {"dust_detector": "dust_detector", "dust_detector_fast": "dust_detector",
           "gated_inpainter": "gated_inpainter"}


def test_shipped_files_are_small_and_carry_their_record():
    files = sorted(FOLDER.glob("*.safetensors"))
    assert {p.stem for p in files} == {*PIPELINE, "unet_ivanova"}
    # The default pipeline's networks: 10 MB together; the comparison U-Net: 25 MB.
    assert sum(packaged(name).stat().st_size for name in PIPELINE) < 10e6
    assert packaged("unet_ivanova").stat().st_size < 25e6
    detector = read_metadata(packaged("dust_detector"))
    assert 0 < detector["info"]["threshold"] < 1
    for name in PIPELINE:
        training = read_metadata(packaged(name))["info"]["training"]
        # a weight average (tools/average_weights.py) records each of its sources' runs
        runs = training.get("average_of", [training])
        assert training["seconds"] > 0
        assert all(run["options"]["model"] == NETWORK[name] for run in runs)


def test_fast_detector_is_the_narrower_network_and_finds_dust():
    """--detector learned-fast: the 0.36 M-parameter widths, its own threshold, a working mask."""
    default = read_metadata(packaged("dust_detector"))
    fast = read_metadata(packaged("dust_detector_fast"))
    assert fast["config"]["widths"] == [16, 32, 64, 96]
    assert default["config"]["widths"] == [16, 48, 128, 192]
    assert fast["info"]["threshold"] != default["info"]["threshold"]
    clean = textured(128, 160, seed=3)
    damaged, truth = with_specks(clean, ((30, 40), (60, 90), (20, 130), (100, 60)))
    # passes and precision are learned-detector options: accepted for this one too
    restored, mask = dustoff.restore(damaged, detector="learned-fast", passes=2,
                                     precision="float32", return_mask=True)
    found = mask >= 0.5
    assert found[truth].mean() > 0.9
    assert found[~truth].mean() < 0.01
    assert psnr(restored, clean) > psnr(damaged, clean) + 10


def test_shipped_unet_records_its_whole_schedule():
    meta = read_metadata(packaged("unet_ivanova"))
    assert meta["model"] == "unet_efficientnet_lite0"
    schedule = meta["info"]["training"]["schedule"]
    assert schedule["loss"] == "mse" and schedule["schedule"] == "reduced"
    assert [p["size"] for p in schedule["phases"]] == [64, 128, 256, 256]
    assert [p["frozen"] for p in schedule["phases"]] == [True, True, True, False]


def test_default_restore_finds_and_repairs_dust():
    clean = textured(128, 160, seed=3)
    damaged, truth = with_specks(clean, ((30, 40), (60, 90), (20, 130), (100, 60)))
    restored, mask = dustoff.restore(damaged, return_mask=True)
    found = mask >= 0.5
    assert found[truth].mean() > 0.9
    assert found[~truth].mean() < 0.01
    assert psnr(restored, clean) > psnr(damaged, clean) + 10


def test_more_detector_passes_find_the_dust_too():
    clean = textured(128, 160, seed=3)
    damaged, truth = with_specks(clean, ((30, 40), (60, 90), (20, 130), (100, 60)))
    restored, mask = dustoff.restore(damaged, passes=8, return_mask=True)
    found = mask >= 0.5
    assert found[truth].mean() > 0.9 and found[~truth].mean() < 0.01
    assert np.array_equal(dustoff.detect(damaged, passes=8), mask)
    assert psnr(restored, clean) > psnr(damaged, clean) + 10


def test_default_restore_leaves_a_clean_image_nearly_alone():
    clean = textured(128, 160, seed=4)
    restored = dustoff.restore(clean)
    assert np.mean(restored != clean) < 0.002


def test_loading_a_detector_does_not_import_the_training_loop():
    """Inference start-up stays quick: the trainer (and matplotlib) load only when training."""
    import subprocess
    import sys

    code = ("import sys; from dustoff.detect.learned import LearnedDetector; LearnedDetector(); "
            "print('dustoff.train.loop' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
