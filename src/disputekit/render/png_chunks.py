"""Reading a PNG's header and text chunks back, with no imaging library.

Evidence images carry everything they show in their text metadata (written by matplotlib
when :mod:`disputekit.render.evidence_layout` saves them); tests and tools read it here.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator

from disputekit.errors import EvidenceError

__all__ = ["png_size", "png_text"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    if not data.startswith(_PNG_SIGNATURE):
        raise EvidenceError("not a PNG image")
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        yield kind, data[pos + 8:pos + 8 + length]
        if kind == b"IEND":
            return
        pos += 12 + length


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from the PNG header."""
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
            return int(width), int(height)
    raise EvidenceError("PNG without a header")


def png_text(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG (``tEXt``, ``zTXt`` and ``iTXt``) by keyword."""
    out: dict[str, str] = {}
    for kind, body in _chunks(data):
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, _method = rest[0], rest[1]
            _language, _, rest = rest[2:].partition(b"\0")
            _translated, _, value = rest.partition(b"\0")
            if compressed:
                value = zlib.decompress(value)
            out[key.decode("latin-1")] = value.decode("utf-8")
    return out
