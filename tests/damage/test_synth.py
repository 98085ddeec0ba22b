"""Synthetic damage: confined to its mask, reproducible, statistically as configured."""
from __future__ import annotations

import numpy as np
import pytest

from dustoff.damage import PRESETS, preset, synthesize
from dustoff.damage.config import LABEL, Unstructured
from helpers import textured



@pytest.mark.parametrize("name", sorted(PRESETS))
def test_structured_damage_changes_only_masked_pixels(name):
    image = textured(256, 256, seed=1)
    config = preset(name, level=3)
    config.unstructured = Unstructured()  # all probabilities zero
    result = synthesize(image, config, seed=4)
    changed = np.any(result.damaged != image, axis=2)
    assert result.mask.dtype == np.float32 and result.labels.dtype == np.uint8
    assert not changed[result.mask == 0].any()
    assert (result.mask > 0).any()
    assert (result.labels[result.mask == 0] == 0).all()


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_same_seed_same_bytes_other_seed_other_damage(name):
    image = textured(128, 160, seed=2)
    a = synthesize(image, preset(name), seed=11)
    b = synthesize(image, preset(name), seed=11)
    c = synthesize(image, preset(name), seed=12)
    assert a.damaged.tobytes() == b.damaged.tobytes()
    assert a.mask.tobytes() == b.mask.tobytes() and a.labels.tobytes() == b.labels.tobytes()
    assert a.mask.tobytes() != c.mask.tobytes()


def test_speck_counts_follow_the_configured_density():
    image = np.full((1000, 1000, 3), 0.5, np.float32)
    config = preset("slide", overlay={"probability": 0.0}, hairs={"per_mp": 0.0})
    counts = [synthesize(image, config, seed=s).params["counts"]["specks"] for s in range(8)]
    assert abs(np.mean(counts) - config.specks.per_mp) < 4 * np.sqrt(config.specks.per_mp / 8)


def test_speck_sizes_are_heavy_tailed():
    image = np.full((1000, 1000, 3), 0.5, np.float32)
    config = preset("slide", overlay={"probability": 0.0}, hairs={"per_mp": 0.0},
                    scratches={"per_mp": 0.0}, specks={"per_mp": 400.0, "clustering": 0.0})
    result = synthesize(image, config, seed=0)
    import cv2
    n, _, stats, _ = cv2.connectedComponentsWithStats((result.labels == LABEL["speck"])
                                                      .view(np.uint8))
    areas = stats[1:, cv2.CC_STAT_AREA]
    assert n > 200
    assert np.percentile(areas, 99) > 4 * np.median(areas)  # a long tail of large specks


def test_level_zero_is_no_damage_and_level_three_is_more():
    image = textured(200, 200)
    none = synthesize(image, preset("print", level=0), seed=1)
    light = synthesize(image, preset("print", level=1), seed=1)
    heavy = synthesize(image, preset("print", level=3), seed=1)
    assert not (none.mask > 0).any()
    assert (heavy.mask > 0).mean() > (light.mask > 0).mean()


def test_dark_and_light_polarity():
    image = np.full((300, 300, 3), 0.5, np.float32)
    dark = synthesize(image, preset("slide", tinted=0.0, overlay={"probability": 0.0}), seed=3)
    light = synthesize(image, preset("negative"), seed=3)
    assert dark.damaged[dark.mask > 0.5].mean() < 0.3
    assert light.damaged[light.mask > 0.5].mean() > 0.7


def test_unstructured_degradations_touch_the_whole_image():
    image = textured(128, 128)
    config = preset("print", unstructured={"gaussian_noise": 1.0, "jpeg": 1.0})
    result = synthesize(image, config, seed=5)
    assert {"gaussian_noise", "jpeg"} <= set(result.params["capture"])
    assert np.any(result.damaged != image, axis=2).mean() > 0.9


def test_user_overlay_folder_is_used(tmp_path):
    from dustoff.io import write_image
    tex = np.zeros((200, 200), np.float32)
    tex[50:150, 98:102] = 1.0  # one bright vertical line: light dust on black
    write_image(tmp_path / "o.png", tex)
    config = preset("slide", overlay={"probability": 1.0, "folder": str(tmp_path), "warp": 0.0},
                    specks={"per_mp": 0.0}, hairs={"per_mp": 0.0}, scratches={"per_mp": 0.0})
    result = synthesize(textured(64, 64), config, seed=0)
    assert result.params["counts"]["overlays"] == 2
    assert (result.labels == LABEL["overlay"]).any()


def test_unknown_preset_and_parameter_are_refused():
    with pytest.raises(ValueError, match="unknown preset"):
        preset("daguerreotype")
    with pytest.raises(ValueError, match="unknown damage parameter"):
        preset("slide", specks={"colour": 1})


def test_damage_command_writes_image_masks_and_record(tmp_path):
    import json

    from dustoff.cli.main import main
    from dustoff.io import read_scan, to_native, write_scan, Scan
    clean = to_native(textured(120, 160), np.uint16)
    write_scan(Scan(color=clean, format="png"), tmp_path / "clean.png")
    argv = ["damage", str(tmp_path / "clean.png"), "-o", str(tmp_path / "out"),
            "--preset", "cine", "--level", "3", "--seed", "7"]
    assert main(argv) == 0
    damaged = read_scan(tmp_path / "out" / "clean.png")
    mask = read_scan(tmp_path / "out" / "clean.mask.png").color[:, :, 0]
    labels = read_scan(tmp_path / "out" / "clean.labels.png").color[:, :, 0]
    record = json.loads((tmp_path / "out" / "clean.damage.json").read_text())
    assert damaged.bit_depth == 16 and damaged.shape == (120, 160)
    assert mask.shape == labels.shape == (120, 160)
    assert record["preset"] == "cine" and record["config"]["level"] == 3
    first = (tmp_path / "out" / "clean.png").read_bytes()
    assert main(argv + ["--overwrite"]) == 0
    assert (tmp_path / "out" / "clean.png").read_bytes() == first


@pytest.mark.parametrize("content,message", [(None, "cannot read"),
                                             ('{"specks": {"colour": 1}}', "unknown damage"),
                                             ("{not json", "Expecting")])
def test_bad_damage_config_is_one_line_usage_error(tmp_path, capsys, content, message):
    from dustoff.cli.main import main
    from dustoff.io import write_image
    write_image(tmp_path / "c.png", textured(32, 32))
    config = tmp_path / "cfg.json"
    if content is not None:
        config.write_text(content)
    code = main(["damage", str(tmp_path / "c.png"), "-o", str(tmp_path / "o"),
                 "--config", str(config)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0] and "Traceback" not in err[0]
