"""Decode PNG, JPEG and TIFF files into :class:`~dustoff.io.scan.Scan` without losing bit depth,
channels or metadata, refusing what dustoff cannot process with one clear sentence.

The format is recognised from the file's first bytes, never from its name, and the pixel count is
checked against ``max_pixels`` from the header before any pixel is decoded.
"""
from __future__ import annotations

import os
from pathlib import Path

import imagecodecs
import numpy as np
import tifffile
from PIL import Image, JpegImagePlugin

from ..errors import CorruptImageError, DustoffError, ImageTooLargeError, UnsupportedImageError
from . import png_chunks
from .scan import Scan

DEFAULT_MAX_PIXELS = 400_000_000
# dustoff applies its own limit before decoding; Pillow's lower built-in one would pre-empt it.
Image.MAX_IMAGE_PIXELS = None

_PNG_COLOUR_TYPES = {0: "grey", 2: "RGB", 3: "palette", 4: "grey+alpha", 6: "RGBA"}


def sniff_format(head: bytes) -> str | None:
    """'png', 'jpeg', 'tiff' or None, from the first 8 bytes of a file."""
    if head.startswith(png_chunks.SIGNATURE):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    return None


def read_scan(path: str | os.PathLike, *, infrared: bool = False,
              max_pixels: int = DEFAULT_MAX_PIXELS) -> Scan:
    """Read an image file into a :class:`Scan` (native dtype, metadata kept).

    Parameters
    ----------
    path : path-like
        PNG, JPEG or TIFF file; 8 or 16 bit; grey, grey+alpha, RGB or RGBA (RGBI for TIFF).
    infrared : bool
        Treat the 4th channel of a 4-channel TIFF as a scanner's infrared plane (``Scan.infrared``)
        instead of alpha.
    max_pixels : int
        Refuse files whose header declares more pixels than this, before decoding them.

    Raises
    ------
    DustoffError
        (or a subclass) with a one-line message for every file dustoff cannot read.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except IsADirectoryError:
        raise DustoffError(f"{path}: is a folder, not an image file") from None
    except FileNotFoundError:
        raise DustoffError(f"{path}: no such file") from None
    except OSError as exc:
        raise DustoffError(f"{path}: cannot open ({exc.strerror or exc})") from None
    if not head:
        raise CorruptImageError(f"{path}: file is empty")
    kind = sniff_format(head)
    if kind is None:
        raise CorruptImageError(f"{path}: not a PNG, JPEG or TIFF image (unrecognised content)")
    reader = {"png": _read_png, "jpeg": _read_jpeg, "tiff": _read_tiff}[kind]
    try:
        scan = reader(path, infrared=infrared, max_pixels=max_pixels)
    except DustoffError:
        raise
    except MemoryError:
        raise ImageTooLargeError(f"{path}: not enough memory to decode this image") from None
    except Exception as exc:  # decoders raise many types for broken data; all mean the same here
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CorruptImageError(f"{path}: cannot decode {kind.upper()} data ({detail})") from None
    scan.path = path
    return scan


def _check_pixels(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise CorruptImageError(f"{path}: header declares an empty image ({width}x{height})")
    if width * height > max_pixels:
        raise ImageTooLargeError(
            f"{path}: {width}x{height} = {width * height / 1e6:.0f} megapixels exceeds the limit "
            f"of {max_pixels / 1e6:.0f} megapixels (raise it with --max-megapixels)"
        )


def _split_channels(samples: np.ndarray, *, alpha_at: int | None):
    """(color, alpha, extra) from (H, W[, S]) samples; ``alpha_at`` is the alpha channel index."""
    if samples.ndim == 2:
        samples = samples[:, :, None]
    n_color = 1 if samples.shape[2] in (1, 2) else 3
    color = np.ascontiguousarray(samples[:, :, :n_color])
    rest = [i for i in range(n_color, samples.shape[2])]
    alpha = None
    if alpha_at is not None and alpha_at in rest:
        alpha = np.ascontiguousarray(samples[:, :, alpha_at])
        rest.remove(alpha_at)
    extra = np.ascontiguousarray(samples[:, :, rest]) if rest else None
    return color, alpha, extra


def _read_png(path: Path, *, infrared: bool, max_pixels: int) -> Scan:
    data = path.read_bytes()
    try:
        width, height, depth, colour_type = png_chunks.read_ihdr(data)
    except ValueError as exc:
        raise CorruptImageError(f"{path}: {exc}") from None
    _check_pixels(path, width, height, max_pixels)
    if colour_type == 3:
        raise UnsupportedImageError(
            f"{path}: palette (indexed-colour) PNG is not supported; convert it to RGB first")
    if depth not in (8, 16):
        raise UnsupportedImageError(
            f"{path}: {depth}-bit {_PNG_COLOUR_TYPES.get(colour_type, 'unknown')} PNG is not "
            "supported; only 8- and 16-bit samples are")
    try:
        chunks = png_chunks.ancillary_chunks(data)
    except ValueError as exc:
        raise CorruptImageError(f"{path}: {exc}") from None
    samples = imagecodecs.png_decode(data)
    expected = (height, width)
    if samples.shape[:2] != expected:
        raise CorruptImageError(f"{path}: decoded size does not match the header")
    color, alpha, extra = _split_channels(samples, alpha_at=1 if colour_type == 4 else
                                          3 if colour_type == 6 else None)
    return Scan(color=color, alpha=alpha, extra=extra, format="png",
                metadata={"png_chunks": chunks})


def _read_jpeg(path: Path, *, infrared: bool, max_pixels: int) -> Scan:
    with Image.open(path) as im:
        _check_pixels(path, im.width, im.height, max_pixels)
        if im.mode not in ("L", "RGB"):
            raise UnsupportedImageError(
                f"{path}: {im.mode} JPEG is not supported; only greyscale and RGB are")
        im.load()  # raises OSError("image file is truncated") on short data
        samples = np.asarray(im)
        info = dict(im.info)
        metadata = {
            "icc_profile": info.get("icc_profile"),
            "exif": info.get("exif"),
            "xmp": info.get("xmp"),
            "dpi": info.get("dpi"),
            "comment": info.get("comment"),
            "progressive": bool(info.get("progressive")),
            "qtables": getattr(im, "quantization", None),
            "subsampling": JpegImagePlugin.get_sampling(im) if im.mode == "RGB" else -1,
        }
    color, alpha, extra = _split_channels(samples, alpha_at=None)
    return Scan(color=color, alpha=alpha, extra=extra, format="jpeg", metadata=metadata)


# TIFF tags carried byte-for-byte into the output (codes from the TIFF 6 / EXIF / XMP specs):
# DocumentName, Make, Model, Orientation, PageName, Artist, HostComputer, XMP, Copyright, IPTC, ICC.
CARRIED_TIFF_TAGS = (269, 271, 272, 274, 285, 315, 316, 700, 33432, 33723, 34675)
_LOSSLESS_TIFF_COMPRESSION = {1, 5, 8, 32773, 32946, 50000, 34925}


def _read_tiff(path: Path, *, infrared: bool, max_pixels: int) -> Scan:
    with tifffile.TiffFile(path) as tif:
        if len(tif.pages) > 1:
            raise UnsupportedImageError(
                f"{path}: multi-page TIFF ({len(tif.pages)} pages) is not supported; "
                "split the pages first")
        page = tif.pages[0]
        _check_pixels(path, page.imagewidth, page.imagelength, max_pixels)
        if page.sampleformat != 1:
            kind = {2: "signed integer", 3: "floating-point"}.get(int(page.sampleformat), "")
            raise UnsupportedImageError(
                f"{path}: {page.bitspersample}-bit {kind} TIFF is not supported; only unsigned "
                "8- and 16-bit integer samples are")
        if page.bitspersample not in (8, 16):
            raise UnsupportedImageError(
                f"{path}: {page.bitspersample}-bit TIFF is not supported; only 8- and 16-bit "
                "samples are")
        photometric = int(page.photometric)
        if photometric not in (1, 2):
            name = tifffile.PHOTOMETRIC(photometric).name
            raise UnsupportedImageError(
                f"{path}: TIFF colour model {name} is not supported; only greyscale "
                "(MINISBLACK) and RGB are")
        # strips decoded on every core (tifffile's default is half of them: one here);
        # a 24-MP 16-bit zlib scan reads about 0.1 s faster on two
        samples = page.asarray(maxworkers=os.cpu_count() or 1)
        if page.planarconfig == 2 and samples.ndim == 3:  # separate planes are (S, H, W)
            samples = np.moveaxis(samples, 0, -1)
        if samples.ndim == 3 and samples.shape[2] == 1:
            samples = samples[:, :, 0]
        n_color = 3 if photometric == 2 else 1
        extrasamples = tuple(int(x) for x in page.extrasamples)
        alpha_at = None
        ir = None
        if infrared:
            if samples.ndim != 3 or samples.shape[2] != n_color + 1:
                raise UnsupportedImageError(
                    f"{path}: --infrared needs a TIFF with exactly one channel after the colour "
                    f"channels (RGBI), got {samples.shape[2] if samples.ndim == 3 else 1} channels")
            ir = np.ascontiguousarray(samples[:, :, n_color])
            samples = samples[:, :, :n_color]
        elif extrasamples and extrasamples[0] in (1, 2):
            alpha_at = n_color
        color, alpha, extra = _split_channels(samples, alpha_at=alpha_at)
        tags = {}
        for code in CARRIED_TIFF_TAGS:
            tag = page.tags.get(code)
            if tag is not None:
                tags[code] = (int(tag.dtype), tag.count, tag.value)
        desc = page.tags.get(270)
        software = page.tags.get(305)
        stamp = page.tags.get(306)
        compression = int(page.compression)
        metadata = {
            "photometric": photometric,
            "extrasamples": extrasamples,
            "compression": compression if compression in _LOSSLESS_TIFF_COMPRESSION else 8,
            "predictor": int(page.predictor) == 2,
            "tile": (page.tilelength, page.tilewidth) if page.is_tiled else None,
            "rowsperstrip": page.rowsperstrip if not page.is_tiled else None,
            "resolution": _tiff_resolution(page),
            "description": desc.value if desc is not None else None,
            "software": software.value if software is not None else None,
            "datetime": stamp.value if stamp is not None else None,
            "tags": tags,
            "bigtiff": tif.is_bigtiff,
            "byteorder": tif.byteorder,
        }
    return Scan(color=color, alpha=alpha, extra=extra, infrared=ir, format="tiff",
                metadata=metadata)


def _tiff_resolution(page) -> tuple | None:
    xres, yres, unit = page.tags.get(282), page.tags.get(283), page.tags.get(296)
    if xres is None or yres is None:
        return None
    return xres.value, yres.value, int(unit.value) if unit is not None else 2


__all__ = ["read_scan", "sniff_format", "DEFAULT_MAX_PIXELS"]
