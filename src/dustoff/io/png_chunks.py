"""PNG chunk surgery: carry a source file's ancillary chunks (iCCP, eXIf, pHYs, tEXt, ...) into a
newly encoded PNG byte-for-byte, so that restoration loses no metadata the encoder does not know.
"""
from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Chunks that describe pixels the encoder rewrites; everything else is carried over.
_PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}


def iter_chunks(data: bytes):
    """Yield (type, payload) for each chunk; raises ValueError on a malformed stream."""
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG stream")
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise ValueError("file is truncated (a PNG chunk runs past its end)")
        yield kind, data[pos + 8 : pos + 8 + length]
        pos = end
        if kind == b"IEND":
            return


def ancillary_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk of a PNG that is not pixel data, in file order."""
    return [(k, p) for k, p in iter_chunks(data) if k not in _PIXEL_CHUNKS]


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def with_chunks(encoded: bytes, chunks: list[tuple[bytes, bytes]]) -> bytes:
    """Replace the ancillary chunks of ``encoded`` by ``chunks``, placed right after IHDR.

    Every ancillary chunk type may precede IDAT, so this placement is valid for all of them.
    """
    parts = [SIGNATURE]
    for kind, payload in iter_chunks(encoded):
        if kind not in _PIXEL_CHUNKS:
            continue
        parts.append(_chunk(kind, payload))
        if kind == b"IHDR":
            parts.extend(_chunk(k, p) for k, p in chunks)
    return b"".join(parts)


def read_ihdr(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit_depth, colour_type) from the IHDR chunk, without decoding pixels."""
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise ValueError("PNG header is missing or truncated")
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour_type
