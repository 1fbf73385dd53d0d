"""An operator's attachment: which files are accepted, read from the bytes, never the name (pure).

Each type has a size cap; a name that could reach outside its folder or hide what it is
(separators, ``..``, control characters, a leading dot, too long) is refused. Nothing is
written before these checks pass.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Final

from disputekit.errors import EvidenceError

__all__ = [
    "ALLOWED_TYPES",
    "MAX_IMAGE_BYTES",
    "MAX_NAME_BYTES",
    "MAX_PDF_BYTES",
    "MAX_VIDEO_BYTES",
    "FileType",
    "check_name",
    "sniff",
    "validate_attachment",
]


# An image the platform will take: AliExpress publishes no limit for
# aliexpress.issue.image.upload; 5 MB is a typical gateway cap and the simulator's [I]. A
# larger photo could never be sent, so it is refused here rather than at upload time.
MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
# Videos cannot be sent through the API at all (reference §7.4): they go in the export zip
# and the Seller Center form. 100 MB is a few minutes of phone video and keeps a zip that a
# carrier's claim portal or an e-mail can still take [I].
MAX_VIDEO_BYTES: Final = 100 * 1024 * 1024
# Customs notices, receipts and carrier letters are a few pages; 10 MB keeps scanned ones and
# stops a mistaken multi-hundred-page upload [I].
MAX_PDF_BYTES: Final = 10 * 1024 * 1024
# Most file systems stop at 255 bytes per name. The stored name is the hash anyway; the
# original is only kept in the database, so a longer one is a sign of something odd.
MAX_NAME_BYTES: Final = 255


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str  # the stored file's extension
    family: str  # image / video / document
    max_bytes: int
    names: frozenset[str] = field(default_factory=frozenset)  # name endings accepted


ALLOWED_TYPES: Final[tuple[FileType, ...]] = (
    FileType("image/jpeg", "jpg", "image", MAX_IMAGE_BYTES, frozenset({"jpg", "jpeg"})),
    FileType("image/png", "png", "image", MAX_IMAGE_BYTES, frozenset({"png"})),
    FileType("image/gif", "gif", "image", MAX_IMAGE_BYTES, frozenset({"gif"})),
    FileType("image/webp", "webp", "image", MAX_IMAGE_BYTES, frozenset({"webp"})),
    FileType("video/mp4", "mp4", "video", MAX_VIDEO_BYTES, frozenset({"mp4", "m4v"})),
    FileType("video/quicktime", "mov", "video", MAX_VIDEO_BYTES, frozenset({"mov", "qt"})),
    FileType("application/pdf", "pdf", "document", MAX_PDF_BYTES, frozenset({"pdf"})),
)
_BY_MEDIA: Final = {t.media_type: t for t in ALLOWED_TYPES}
_ALL_NAMES: Final = frozenset(n for t in ALLOWED_TYPES for n in t.names)
# ISO base media brands that are stills, not videos (HEIC, AVIF): refused with a hint.
_STILL_BRANDS: Final = frozenset({"heic", "heix", "hevc", "heim", "heis", "mif1", "msf1",
                                  "avif", "avis"})
_QUICKTIME_ATOMS: Final = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})


def sniff(data: bytes) -> FileType | None:
    """The accepted type the bytes are, by their signature ("magic bytes"); ``None`` when
    they are none of them. The name plays no part."""
    if data.startswith(b"\xff\xd8\xff"):
        return _BY_MEDIA["image/jpeg"]
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _BY_MEDIA["image/png"]
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _BY_MEDIA["image/gif"]
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _BY_MEDIA["image/webp"]
    if data.startswith(b"%PDF-"):
        return _BY_MEDIA["application/pdf"]
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12].decode("latin-1").strip().lower()
        if brand in _STILL_BRANDS:
            return None
        return _BY_MEDIA["video/quicktime" if brand == "qt" else "video/mp4"]
    if len(data) >= 8 and data[4:8] in _QUICKTIME_ATOMS:
        return _BY_MEDIA["video/quicktime"]
    return None


def _describe(data: bytes) -> str:
    if len(data) >= 12 and data[4:8] == b"ftyp" \
            and data[8:12].decode("latin-1").strip().lower() in _STILL_BRANDS:
        return "an HEIC/AVIF photo: export it as JPEG first"
    if data.startswith(b"MZ"):
        return "a Windows program"
    if data.startswith(b"\x7fELF"):
        return "a program"
    if data.startswith(b"PK\x03\x04"):
        return "a zip archive (or an Office document): unpack it, or save the document as PDF"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<script")):
        return "markup (HTML/SVG/XML), which can carry scripts"
    return "of an unknown type"


def check_name(name: str) -> str:
    """The original file name if it is a plain, harmless name; else ``EvidenceError``.

    Refused: empty names, path separators (``/``, ``\\``), ``..``, control and invisible
    formatting characters (NUL, newline, right-to-left override...), a leading dot (hidden
    files), names longer than ``MAX_NAME_BYTES`` in UTF-8, and names without one of the
    accepted endings (.jpg, .png, .mp4, .pdf...).
    """
    if not isinstance(name, str) or not name.strip():
        raise EvidenceError("the file has no name: give it one ending in its type, e.g. "
                            "'parcel.jpg'")
    shown = name.encode("unicode_escape").decode("ascii")[:80]
    bad = [c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        raise EvidenceError(f"refused {shown!r}: the name contains control or invisible "
                            "characters (NUL, newline, direction overrides...); rename the "
                            "file with plain characters")
    if "/" in name or "\\" in name:
        raise EvidenceError(f"refused {shown!r}: a file name must not contain '/' or '\\'; "
                            "attach the file itself, not a path")
    if ".." in name:
        raise EvidenceError(f"refused {shown!r}: '..' is not allowed in a file name")
    if name.startswith("."):
        raise EvidenceError(f"refused {shown!r}: names starting with a dot are hidden files; "
                            "rename it")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise EvidenceError(f"refused a name of {len(name)} characters: at most "
                            f"{MAX_NAME_BYTES} bytes; shorten it")
    if name != name.strip():
        raise EvidenceError(f"refused {shown!r}: the name starts or ends with spaces")
    ending = name.rpartition(".")[2].lower() if "." in name else ""
    if ending not in _ALL_NAMES:
        raise EvidenceError(f"refused {shown!r}: the name must end in one of "
                            f"{', '.join('.' + n for n in sorted(_ALL_NAMES))}")
    return unicodedata.normalize("NFC", name)


def validate_attachment(name: str, data: bytes) -> FileType:
    """Check an operator's file before anything is written: its name, then its content's
    type (by its bytes), then the size cap of that type. Returns the type to store it as."""
    check_name(name)
    if not data:
        raise EvidenceError(f"refused {name!r}: the file is empty")
    found = sniff(data)
    if found is None:
        raise EvidenceError(f"refused {name!r}: its content is {_describe(data)}, not an "
                            "accepted type (JPEG, PNG, GIF, WebP photos; MP4, MOV videos; "
                            "PDF), whatever its name says")
    if len(data) > found.max_bytes:
        raise EvidenceError(
            f"refused {name!r}: {_mb(len(data))} is over the {_mb(found.max_bytes)} limit for "
            f"{found.family}s ({found.media_type}); "
            + {"image": "resize or compress the photo",
               "video": "trim the video, or send it through Seller Center",
               "document": "split the PDF or scan it at a lower resolution"}[found.family])
    return found


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
