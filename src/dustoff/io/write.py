"""Encode a :class:`~dustoff.io.scan.Scan` back to PNG, JPEG or TIFF, keeping bit depth, channels
and metadata, and write it atomically (temporary file in the target folder, then rename).

PNG and TIFF are lossless: every sample restoration did not touch is written back bit-identical.
JPEG is lossy by nature; it is re-encoded with the source's own quantisation tables and chroma
subsampling, which keeps the generation loss as small as the format allows.
"""
from __future__ import annotations

import contextlib
import io as _io
import os
import tempfile
from pathlib import Path

import imagecodecs
import numpy as np
import tifffile
from PIL import Image

from ..errors import DustoffError, UnsupportedImageError
from . import png_chunks
from .scan import Scan, to_native

EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif"}


def format_for_path(path: Path, default: str) -> str:
    """The format an output path asks for by its extension, else ``default``."""
    ext = path.suffix.lower()
    return {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff",
            ".tiff": "tiff"}.get(ext, default)


def write_scan(scan: Scan, path: str | os.PathLike, *, format: str | None = None,
               overwrite: bool = True) -> Path:
    """Write ``scan`` to ``path`` atomically.

    Parameters
    ----------
    scan : Scan
        Pixels and metadata; ``scan.path`` (the source) is never overwritten.
    path : path-like
        Destination file.
    format : {"png", "jpeg", "tiff"}, optional
        Container to write; default: the one ``path``'s extension names, else the source's.
    overwrite : bool
        Replace an existing file at ``path``.
    """
    path = Path(path)
    fmt = format or format_for_path(path, scan.format)
    if scan.path is not None and path.exists() and path.samefile(scan.path):
        raise DustoffError(f"{path}: output path is the input file; choose another output")
    if path.exists() and not overwrite:
        raise DustoffError(f"{path}: already exists (use --overwrite to replace it)")
    return write_bytes(encode(scan, fmt), path)


def write_bytes(data: bytes, path: str | os.PathLike) -> Path:
    """Write ``data`` to ``path`` atomically: a temporary file in the same folder, flushed to
    disk, then renamed over ``path``, so readers never see a half-written file. The folder
    must exist; errors become one-line :class:`DustoffError`."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DustoffError(f"{folder}: output folder does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise DustoffError(f"{folder}: cannot write here ({exc.strerror or exc})") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get ordinary modes
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise DustoffError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def write_png8(samples: np.ndarray, path: str | os.PathLike, *, overwrite: bool = True) -> Path:
    """Write an 8-bit PNG atomically: masks, label maps, dataset images.

    samples : (H, W) or (H, W, C), float in [0, 1] (rounded to 0..255) or uint8 (written as is).
    """
    samples = np.asarray(samples)
    if samples.dtype != np.uint8:
        samples = to_native(samples, np.uint8)
    if samples.ndim == 2:
        samples = samples[:, :, None]
    return write_scan(Scan(color=np.ascontiguousarray(samples), format="png"), path,
                      format="png", overwrite=overwrite)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def encode(scan: Scan, fmt: str) -> bytes:
    """The file bytes of ``scan`` in container ``fmt``."""
    if fmt not in EXTENSIONS:
        raise DustoffError(f"unknown output format {fmt!r}; choose png, jpeg or tiff")
    return {"png": _encode_png, "jpeg": _encode_jpeg, "tiff": _encode_tiff}[fmt](scan)


def _stack(scan: Scan, *, with_infrared: bool = True) -> np.ndarray:
    """All channels in file order: colour, alpha, extra, infrared -> (H, W, S) or (H, W)."""
    planes = [scan.color]
    if scan.alpha is not None:
        planes.append(scan.alpha[:, :, None])
    if scan.extra is not None:
        planes.append(scan.extra)
    if with_infrared and scan.infrared is not None:
        planes.append(scan.infrared[:, :, None])
    stacked = planes[0] if len(planes) == 1 else np.concatenate(planes, axis=2)
    return stacked[:, :, 0] if stacked.shape[2] == 1 else stacked


def _encode_png(scan: Scan) -> bytes:
    samples = _stack(scan)
    channels = 1 if samples.ndim == 2 else samples.shape[2]
    if channels > 4 or (scan.color.shape[2] == 3 and channels == 2):
        raise UnsupportedImageError(f"PNG cannot hold {channels} channels of this kind; "
                                    "write a TIFF instead")
    if scan.extra is not None or scan.infrared is not None:
        raise UnsupportedImageError("PNG cannot hold an infrared or extra channel; write a TIFF")
    encoded = imagecodecs.png_encode(np.ascontiguousarray(samples), level=6)
    chunks = scan.metadata.get("png_chunks") if scan.format == "png" else _png_chunks_from(scan)
    return png_chunks.with_chunks(encoded, chunks or [])


def _png_chunks_from(scan: Scan) -> list[tuple[bytes, bytes]]:
    """iCCP and eXIf chunks for a non-PNG source converted to PNG."""
    import zlib

    chunks = []
    icc = _icc_profile(scan)
    if icc:
        chunks.append((b"iCCP", b"ICC profile\x00\x00" + zlib.compress(bytes(icc))))
    exif = scan.metadata.get("exif")
    if exif:
        exif = bytes(exif)
        chunks.append((b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif))
    return chunks


def _encode_jpeg(scan: Scan) -> bytes:
    if scan.bit_depth != 8:
        raise UnsupportedImageError(
            f"JPEG cannot hold {scan.bit_depth}-bit samples; write PNG or TIFF to keep them")
    if scan.alpha is not None or scan.extra is not None or scan.infrared is not None:
        raise UnsupportedImageError("JPEG cannot hold alpha or extra channels; write PNG or TIFF")
    samples = scan.color[:, :, 0] if scan.color.shape[2] == 1 else scan.color
    im = Image.fromarray(np.ascontiguousarray(samples))
    meta = scan.metadata if scan.format == "jpeg" else {}
    options = {"quality": 95, "subsampling": 0}
    if meta.get("qtables"):
        options = {"qtables": meta["qtables"]}
        if meta.get("subsampling", -1) != -1:
            options["subsampling"] = meta["subsampling"]
    for key in ("icc_profile", "exif", "xmp", "dpi", "comment"):
        value = meta.get(key) if meta else (_icc_profile(scan) if key == "icc_profile" else None)
        if value:
            options[key] = value
    if meta.get("progressive"):
        options["progressive"] = True
    buf = _io.BytesIO()
    im.save(buf, format="JPEG", **options)
    return buf.getvalue()


def _icc_profile(scan: Scan) -> bytes | None:
    """The scan's ICC profile, wherever its format keeps it."""
    tagged = scan.metadata.get("tags", {}).get(34675)
    icc = bytes(tagged[2]) if tagged else scan.metadata.get("icc_profile")
    return icc or None


def _encode_tiff(scan: Scan) -> bytes:
    meta = scan.metadata if scan.format == "tiff" else {}
    samples = _stack(scan)
    n_color = scan.color.shape[2]
    extras = samples.shape[2] - n_color if samples.ndim == 3 else 0
    if meta.get("extrasamples") and len(meta["extrasamples"]) == extras:
        extrasamples = meta["extrasamples"]
    else:
        extrasamples = tuple([2] * (scan.alpha is not None)
                             + [0] * (extras - (scan.alpha is not None)))
    tags = dict(meta.get("tags", {}))
    tags.pop(34675, None)  # written through iccprofile=
    icc_bytes = _icc_profile(scan)
    extratags = [(code, dtype, count, value, True) for code, (dtype, count, value) in tags.items()]
    options = dict(
        photometric="rgb" if n_color == 3 else "minisblack",
        planarconfig="contig",
        extrasamples=extrasamples or None,
        compression=meta.get("compression", 8),
        predictor=meta.get("predictor", True),
        iccprofile=icc_bytes,
        description=meta.get("description"),
        software=meta.get("software") or False,
        datetime=meta.get("datetime"),
        metadata=None,
        extratags=extratags,
    )
    if meta.get("tile"):
        options["tile"] = meta["tile"]
    elif meta.get("rowsperstrip"):
        options["rowsperstrip"] = meta["rowsperstrip"]
    resolution = meta.get("resolution")
    if resolution:
        options["resolution"] = resolution[:2]
        options["resolutionunit"] = resolution[2]
    elif scan.metadata.get("dpi"):
        options["resolution"] = tuple(float(v) for v in scan.metadata["dpi"])
        options["resolutionunit"] = 2
    if options["compression"] == 1:
        options["compression"] = None
        options["predictor"] = None
    elif options["compression"] in (8, 32946):  # Deflate: level 1 is 1.6x faster than the
        options["compressionargs"] = {"level": 1}  # default 6, files 0.8% larger (24-MP scan)
    buf = _io.BytesIO()
    with tifffile.TiffWriter(buf, bigtiff=meta.get("bigtiff", samples.nbytes > 2**32 - 2**25),
                             byteorder=meta.get("byteorder", "<")) as tif:
        # strips are compressed on every core (same bytes as one thread, about 2x sooner on 2)
        tif.write(samples, maxworkers=os.cpu_count() or 1, **options)
    return buf.getvalue()
