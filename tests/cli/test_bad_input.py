"""Bad input: one clear line on stderr, a non-zero exit, nothing else lost.

Runs the real command in a subprocess so that anything a C library prints would be seen too.
"""
from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
import tifffile
from PIL import Image

from helpers import textured


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dustoff.cli.main", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def assert_one_line_error(result, *fragments):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dustoff: error:")
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def png_bytes(shape=(40, 60, 3)) -> bytes:
    buf = io.BytesIO()
    Image.fromarray((textured(*shape[:2]) * 255).astype(np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def jpeg_bytes(mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.fromarray((textured(40, 60) * 255).astype(np.uint8)).convert(mode).save(buf, "JPEG")
    return buf.getvalue()


def tiff_bytes(data, **kwargs) -> bytes:
    buf = io.BytesIO()
    tifffile.imwrite(buf, data, **kwargs)
    return buf.getvalue()


def png_claiming(width, height) -> bytes:
    def chunk(kind, payload):
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))


def jpeg_claiming(width, height) -> bytes:
    data = bytearray(jpeg_bytes())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def cmyk_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("CMYK", (30, 20), (10, 20, 30, 40)).save(buf, "JPEG")
    return buf.getvalue()


def palette_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 10, 10)).convert("P").save(buf, "PNG")
    return buf.getvalue()


CASES = {
    "empty.png": (lambda: b"", "file is empty"),
    "truncated.png": (lambda: png_bytes()[:300], "truncated"),
    "truncated.jpg": (lambda: jpeg_bytes()[:400], "cannot decode JPEG"),
    "truncated.tif": (lambda: tiff_bytes((textured(80, 80) * 65535).astype(np.uint16),
                                         photometric="rgb", compression="zlib")[:2000],
                      "cannot decode TIFF"),
    "text.jpg": (lambda: b"this is a shopping list, not a photograph\n", "not a PNG, JPEG or TIFF"),
    "bomb.png": (lambda: png_claiming(100000, 100000), "exceeds the limit"),
    "bomb.jpg": (lambda: jpeg_claiming(65000, 65000), "exceeds the limit"),
    "cmyk.jpg": (cmyk_jpeg, "CMYK JPEG is not supported"),
    "palette.png": (palette_png, "palette"),
    "bilevel.tif": (lambda: tiff_bytes(np.random.default_rng(0).random((20, 30)) > 0.5),
                    "1-bit TIFF"),
    "float.tif": (lambda: tiff_bytes(np.ones((20, 30), np.float32)), "floating-point"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_file_gives_one_line_and_nonzero_exit(tmp_path, name):
    make, message = CASES[name]
    src = tmp_path / name
    src.write_bytes(make())
    before = src.read_bytes()
    result = run("restore", src, "-o", tmp_path / "out")
    assert_one_line_error(result, message, name)
    assert result.returncode == 1
    assert src.read_bytes() == before
    assert not (tmp_path / "out" / name).exists()


def test_batch_goes_on_after_a_bad_file_and_lists_failures(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a_good.png").write_bytes(png_bytes())
    (tmp_path / "in" / "b_broken.png").write_bytes(png_bytes()[:200])
    (tmp_path / "in" / "c_good.png").write_bytes(png_bytes())
    result = run("restore", tmp_path / "in", "-o", tmp_path / "out")
    assert result.returncode == 1
    assert (tmp_path / "out" / "a_good.png").exists() and (tmp_path / "out" / "c_good.png").exists()
    last = result.stderr.strip().splitlines()[-1]
    assert "2 of 3 files done, 1 failed" in last and "b_broken.png" in last


def test_wrong_size_mask(tmp_path):
    (tmp_path / "img.png").write_bytes(png_bytes((40, 60, 3)))
    (tmp_path / "mask.png").write_bytes(png_bytes((30, 60, 3)))
    result = run("restore", tmp_path / "img.png", "--mask", tmp_path / "mask.png",
                 "-o", tmp_path / "out")
    assert_one_line_error(result, "mask is 60x30 but the image is 60x40")


@pytest.mark.parametrize("target", ["/proc/dustoff-cannot-write-here/out", "a_file"])
def test_unwritable_output_folder(tmp_path, target):
    (tmp_path / "img.png").write_bytes(png_bytes())
    (tmp_path / "a_file").write_text("occupied")
    result = run("restore", "img.png", "-o", target, cwd=tmp_path)
    assert_one_line_error(result)
    assert result.returncode == 2


def test_output_path_equal_to_input_is_refused_even_with_overwrite(tmp_path):
    src = tmp_path / "img.png"
    src.write_bytes(png_bytes())
    before = src.read_bytes()
    result = run("restore", src, "-o", tmp_path, "--overwrite")
    assert_one_line_error(result, "output path is the input file")
    assert src.read_bytes() == before


def test_existing_output_is_kept_without_overwrite(tmp_path):
    (tmp_path / "img.png").write_bytes(png_bytes())
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "img.png").write_bytes(b"precious")
    result = run("restore", tmp_path / "img.png", "-o", tmp_path / "out")
    assert_one_line_error(result, "already exists")
    assert (tmp_path / "out" / "img.png").read_bytes() == b"precious"


def test_usage_errors_exit_2(tmp_path):
    assert run("restore", "-o", tmp_path).returncode == 2
    result = run("restore", tmp_path, "-o", tmp_path / "o", "--sensitivity", "3")
    assert result.returncode == 2 and "between 0 and 1" in result.stderr
    result = run("restore", tmp_path, "-o", tmp_path / "o", "--method", "magic")
    assert_one_line_error(result, "unknown filler 'magic'")
    assert result.returncode == 2
