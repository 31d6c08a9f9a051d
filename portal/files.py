"""Stored files from upload to download: the one place that checks an upload, opens a stored file
only while it still matches its recorded SHA-256, and builds the download response (docs/security.md
R16–R18, R20). Evidence files use it now, and so do site-visit notes and report PDFs; provider
documents and subsidy attachments are next. Each feature passes its own limits, audit action and
wording, so nothing here knows about diagnosis.

Upload check: the type is decided by content, and the extension must agree with it. Web pages,
SVG, scripts and files with another file appended are refused. A PDF that carries scripts, launch
actions or embedded files is refused too. Office files are ZIP archives: the central directory is
checked for entry count, sizes, ratios and paths before any entry is inflated. The checks work on
a seekable binary file object.

We check the magic bytes ourselves and use no library. python-magic needs the C libmagic.
filetype and puremagic report an Office file as "zip", or go by its extension. Neither inspects
PDF keys or ZIP limits. The allowlist has six types, and these checks are shorter to audit than a
new dependency.
"""

import hashlib
import io
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from portal.audit import audit_log
from portal.exceptions import Conflict, DomainError, Gone, Invalid, TooLarge
from portal.models import AuditEvent

MB = 1024 * 1024
CHUNK = 64 * 1024

# ZIP (Office) limits, checked from the central directory before anything is inflated.
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_TOTAL = 100 * MB
ZIP_MAX_RATIO = 100
# Below this size a high ratio is harmless. A few KB of repetitive XML can compress 500:1.
ZIP_RATIO_FLOOR = 64 * 1024
# Inflating a PDF's compressed streams to look for hidden keys stops at this budget.
PDF_MAX_INFLATED = 100 * MB
NAME_MAX = 120
FALLBACK_STEM = "evidence"


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    content_type: str
    extensions: frozenset[str]


KINDS = {
    k.code: k
    for k in (
        FileKind("pdf", "PDF", "application/pdf", frozenset({"pdf"})),
        FileKind("jpeg", "JPEG", "image/jpeg", frozenset({"jpg", "jpeg"})),
        FileKind("png", "PNG", "image/png", frozenset({"png"})),
        FileKind("docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 frozenset({"docx"})),
        FileKind("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 frozenset({"xlsx"})),
        FileKind("pptx", "PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                 frozenset({"pptx"})),
    )
}
ACCEPT = ",".join(sorted(f".{ext}" for kind in KINDS.values() for ext in kind.extensions))
OOXML_PARTS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


class UploadRejected(Exception):
    """The file is refused; `message` is translated and safe to show, `code` is stable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def as_refusal(self) -> Invalid:
        """The same refusal as a service raises it (the API answers 413 to a file too large)."""
        kind = TooLarge if self.code == "too_large" else Invalid
        return kind(self.message, code=self.code)


@dataclass(frozen=True)
class CheckedFile:
    """What may be stored: ``size`` and ``sha256`` describe the bytes to store, which for images
    are the re-encoded ones in ``content`` (store through ``stored()``, never the raw upload)."""

    name: str  # sanitised, for display and Content-Disposition only
    kind: FileKind
    size: int
    sha256: str
    content: bytes | None = None  # re-encoded image; None: the upload itself is stored

    def stored(self, upload: BinaryIO):
        """The file object to hand to storage: the re-encoded image, or the upload rewound."""
        if self.content is not None:
            return ContentFile(self.content)
        upload.seek(0)
        return upload


# --- file names ---------------------------------------------------------------------------------

_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)
_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')


def sanitise_filename(name: str) -> str:
    """A display name safe for HTML, headers and every OS: no directories, no control, format or
    bidi characters (a U+202E between "evil" and "gpj.exe" makes it read "evilexe.jpg"), at most 120
    characters with the extension kept, and a fallback when nothing is left."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    # Cc is control characters including NUL. Cf is format characters: bidi overrides and
    # isolates, zero-width characters, the BOM.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    name = _UNSAFE_CHARS.sub("_", " ".join(name.split()))
    # Leading dots hide files on Unix. Windows drops trailing dots and spaces.
    name = name.strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10] if ext.isalnum() else ""
    stem = stem.strip(" .") if ext else name
    if not stem or _WINDOWS_RESERVED.match(stem):
        stem = f"{FALLBACK_STEM}_{stem}" if stem else FALLBACK_STEM
    suffix = f".{ext}" if ext else ""
    return stem[: NAME_MAX - len(suffix)].rstrip(" .") + suffix


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


# --- the check ----------------------------------------------------------------------------------

# Markers long enough not to turn up by chance in the compressed bytes of an image's first KB.
_MARKUP = (b"<script", b"<html", b"<svg", b"<!doctype", b"<iframe", b"<body", b"<?php")
# Markers searched in the rest of a PDF or image (R15: HTML hidden after the first KB still makes a
# polyglot a careless viewer can render). Longer than the first-KB set so that, over megabytes of
# compressed bytes, a chance match stays far below one in a thousand files.
_MARKUP_ANYWHERE = (b"<script", b"<html", b"<iframe", b"<!doctype html", b"<?php", b"<body", b"<svg xmlns",
                    b"javascript:")
_MARKUP_OVERLAP = max(len(m) for m in _MARKUP_ANYWHERE) - 1
_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2"),
)


def check_upload(fileobj: BinaryIO, *, name: str, size: int, max_bytes: int) -> CheckedFile:
    """Decide whether an upload may be stored. Raises UploadRejected; otherwise returns the
    sanitised name, detected kind, size and SHA-256 of the content. The file position is left
    at the end."""
    safe_name = sanitise_filename(name)
    if size > max_bytes:
        raise _too_large(max_bytes)
    # Measure: the declared size is only what the client's framing claimed.
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    if size > max_bytes:
        raise _too_large(max_bytes)
    fileobj.seek(0)
    head = fileobj.read(4096)
    if not head:
        raise UploadRejected("empty", _("The file is empty."))
    _refuse_markup(head)
    detected = next((kind for magic, kind in _SIGNATURES if head.startswith(magic)), None)
    if detected == "ole2":
        raise UploadRejected("legacy_office", _("Old Office formats (.doc, .xls, .ppt) are not accepted: "
                                                "save the file as .docx, .xlsx or .pptx and upload that."))
    if detected is None:
        raise UploadRejected("type", _("Only PDF, JPEG, PNG and Office (DOCX, XLSX, PPTX) files can be "
                                       "uploaded."))
    if detected == "zip":
        entries = _zip_entries(fileobj, size)
        kind = KINDS[_ooxml_kind(entries)]
    else:
        kind = KINDS[detected]
    _require_extension(safe_name, kind)
    if detected == "zip":
        _verify_zip(fileobj)
    else:
        _refuse_appended_zip(fileobj, size)
        _refuse_markup_anywhere(fileobj)
    if kind.code == "pdf":
        _check_pdf(fileobj, max_bytes)
    if kind.code in ("jpeg", "png"):
        content = reencode_image(fileobj, kind.code)
        return CheckedFile(name=safe_name, kind=kind, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                           content=content)
    fileobj.seek(0)
    return CheckedFile(name=safe_name, kind=kind, size=size, sha256=file_sha256(fileobj))


# Decoded pixels allowed (a 10 MB PNG can decode to gigabytes): 40 megapixels covers any scan
# or phone photo.
IMAGE_MAX_PIXELS = 40_000_000


def reencode_image(fileobj: BinaryIO, kind: str) -> bytes:
    """Decode the image and encode its pixels afresh (R15). Whatever rode along in the original
    (EXIF with GPS position and device serials, comments, trailing data, a polyglot's second
    format) is gone; what is stored is only what a viewer would show. The EXIF orientation is
    applied first, so photos keep their intended rotation."""
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as image:
                if image.width * image.height > IMAGE_MAX_PIXELS:
                    raise UploadRejected("image_too_large", _("The image has too many pixels: scale it down "
                                                              "below %(mp)d megapixels.") % {"mp": IMAGE_MAX_PIXELS // 1_000_000})
                image.load()
                image = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if kind == "jpeg":
                    if image.mode not in ("RGB", "L", "CMYK"):
                        image = image.convert("RGB")
                    image.save(out, format="JPEG", quality=90, optimize=True)
                else:
                    image.save(out, format="PNG", optimize=True)
    except UploadRejected:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            EOFError, struct.error):
        raise UploadRejected("image_invalid", _("The image could not be read: it is damaged or not really a "
                                                "JPEG or PNG file.")) from None
    return out.getvalue()


def file_sha256(fileobj: BinaryIO) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: fileobj.read(CHUNK), b""):
        digest.update(block)
    return digest.hexdigest()


def _too_large(max_bytes: int) -> UploadRejected:
    return UploadRejected("too_large", _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // MB})


def _refuse_markup(head: bytes) -> None:
    first_kb = head[:1024].lower()
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") or any(m in first_kb for m in _MARKUP):
        raise UploadRejected("markup", _("Web pages, SVG images and scripts cannot be uploaded."))


def _refuse_markup_anywhere(fileobj: BinaryIO) -> None:
    """Scan the whole file in chunks (with an overlap so a marker split across two chunks is
    still seen). Office files are ZIPs whose members are checked by _verify_zip instead."""
    fileobj.seek(0)
    tail = b""
    for block in iter(lambda: fileobj.read(CHUNK), b""):
        window = (tail + block).lower()
        if any(m in window for m in _MARKUP_ANYWHERE):
            raise UploadRejected("markup", _("Web pages, SVG images and scripts cannot be uploaded."))
        tail = window[-_MARKUP_OVERLAP:]


def _require_extension(safe_name: str, kind: FileKind) -> None:
    ext = extension_of(safe_name)
    if not ext:
        raise UploadRejected("extension", _("The file name has no extension: it should end in .%(ext)s.")
                             % {"ext": min(kind.extensions, key=len)})
    if ext not in kind.extensions:
        raise UploadRejected("extension", _("The file name ends in “.%(ext)s” but the content is a %(kind)s "
                                            "file: rename the file or choose the right one.")
                             % {"ext": ext, "kind": kind.label})


def _refuse_appended_zip(fileobj: BinaryIO, size: int) -> None:
    # An end-of-central-directory record in the tail makes the file a ZIP as well (a polyglot).
    fileobj.seek(max(0, size - 22 - 0xFFFF))
    if b"PK\x05\x06" in fileobj.read():
        raise UploadRejected("polyglot", _("The file has another file appended to it and cannot be "
                                           "accepted."))


# --- ZIP / Office Open XML --------------------------------------------------------------------------

_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s6H3L5H2L")


@dataclass(frozen=True)
class _Entry:
    name: str
    compressed: int
    uncompressed: int


def _archive_invalid() -> UploadRejected:
    return UploadRejected("archive_invalid", _("This Office file is damaged or unusually built and cannot "
                                               "be accepted."))


def _archive_limits() -> UploadRejected:
    return UploadRejected("archive_limits", _("This Office file expands to more than %(mb)d MB or has too "
                                              "many parts, and cannot be accepted.") % {"mb": ZIP_MAX_TOTAL // MB})


def _zip_entries(fileobj: BinaryIO, size: int) -> list[_Entry]:
    """Read the central directory by hand. The count is checked before any entry is built, and
    the names and sizes before anything is inflated."""
    fileobj.seek(max(0, size - _EOCD.size - 0xFFFF))
    tail = fileobj.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise _archive_invalid()
    _sig, disk, cd_disk, disk_entries, count, cd_size, cd_offset, _comment = _EOCD.unpack_from(tail, at)
    if disk or cd_disk or disk_entries != count or count == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        raise _archive_invalid()  # multi-volume or ZIP64: no Office file under our size cap needs either
    if count > ZIP_MAX_ENTRIES:
        raise _archive_limits()
    if cd_offset + cd_size > size:
        raise _archive_invalid()
    fileobj.seek(cd_offset)
    directory = fileobj.read(cd_size)
    entries, seen, pos, total = [], set(), 0, 0
    while pos < len(directory):
        if len(entries) >= count or len(directory) - pos < _CENTRAL.size:
            raise _archive_invalid()  # the record count and the directory disagree
        (sig, _made, _needed, flags, method, _time, _date, _crc, compressed, uncompressed, name_len, extra_len,
         comment_len, _disk, _iattr, _eattr, _offset) = _CENTRAL.unpack_from(directory, pos)
        if sig != b"PK\x01\x02":
            raise _archive_invalid()
        raw = directory[pos + _CENTRAL.size: pos + _CENTRAL.size + name_len]
        pos += _CENTRAL.size + name_len + extra_len + comment_len
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        if flags & 0x1 or method not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _archive_invalid()  # encrypted, or a compression Office never writes
        if not _safe_member(name) or name.lower() in seen:
            raise _archive_invalid()
        seen.add(name.lower())
        total += uncompressed
        ratio_too_high = uncompressed > ZIP_RATIO_FLOOR and uncompressed > compressed * ZIP_MAX_RATIO
        if total > ZIP_MAX_TOTAL or ratio_too_high:
            raise _archive_limits()
        entries.append(_Entry(name, compressed, uncompressed))
    if len(entries) != count:
        raise _archive_invalid()
    return entries


def _safe_member(name: str) -> bool:
    parts = re.split(r"[/\\]", name)
    return bool(name) and "\x00" not in name and not name.startswith(("/", "\\")) \
        and not re.match(r"^[A-Za-z]:", name) and ".." not in parts


def _ooxml_kind(entries: list[_Entry]) -> str:
    names = {e.name for e in entries}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UploadRejected("macros", _("Office files with macros cannot be uploaded: save the document "
                                         "without macros (.docx, .xlsx or .pptx)."))
    families = {kind for prefix, kind in OOXML_PARTS.items() if any(n.startswith(prefix) for n in names)}
    if "[Content_Types].xml" not in names or len(families) != 1:
        raise UploadRejected("type", _("Only PDF, JPEG, PNG and Office (DOCX, XLSX, PPTX) files can be "
                                       "uploaded."))
    return families.pop()


def _verify_zip(fileobj: BinaryIO) -> None:
    """Inflate every entry in chunks. zipfile stops at the declared size and checks the CRC, so an
    entry that lies about its size fails, and the work is bounded by the limits already checked."""
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    while member.read(CHUNK):
                        pass
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError):
        raise _archive_invalid() from None


# --- PDF -------------------------------------------------------------------------------------------

# Keys and values that make a PDF act: scripts, program launches, attached files, Flash.
_PDF_FORBIDDEN = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
# A name token: regular characters or #xx escapes ("/J#61vaScript" is "/JavaScript").
_PDF_NAME = re.compile(rb"/((?:[^\x00\t\n\x0c\r \x25()<>\[\]{}/#]|#[0-9A-Fa-f]{2})+)")
# Random binary data contains "/JS" about once per 16 MB. So /JS counts only when a value follows
# it: a string, a hex string or an indirect reference.
_PDF_JS_VALUE = re.compile(rb"\s*(?:\(|<|\d+\s+\d+\s+R)")
_PDF_STREAM = re.compile(rb"(?<![A-Za-z])stream(?:\r\n|\r|\n)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_IMAGE_FILTERS = {b"DCTDecode", b"DCT", b"JPXDecode", b"CCITTFaxDecode", b"CCF", b"JBIG2Decode"}
_FLATE = {b"FlateDecode", b"Fl"}


def _unescape(name: bytes) -> bytes:
    return _PDF_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), name) if b"#" in name else name


def _active_pdf() -> UploadRejected:
    return UploadRejected("pdf_active", _("This PDF contains scripts, launch actions or embedded files. "
                                          "Print it to a new PDF and upload that."))


def _pdf_unverifiable() -> UploadRejected:
    return UploadRejected("pdf_unverifiable", _("This PDF uses an encoding that cannot be checked. Print it to "
                                                "a new PDF and upload that."))


def _scan_pdf_names(data: bytes) -> None:
    for match in _PDF_NAME.finditer(data):
        name = _unescape(match[1])
        if name == b"Encrypt" and _PDF_JS_VALUE.match(data, match.end()):
            raise UploadRejected("encrypted", _("Password-protected or encrypted files cannot be checked: "
                                                "upload an unprotected copy."))
        if name in _PDF_FORBIDDEN and (name != b"JS" or _PDF_JS_VALUE.match(data, match.end())):
            raise _active_pdf()


def _check_pdf(fileobj: BinaryIO, max_bytes: int) -> None:
    """1. Scan the raw bytes for forbidden names. 2. Inflate every compressed stream that is not
    an image, and scan that too, because dictionaries can hide in compressed object streams.
    Streams whose text encoding we cannot decode are refused (fail closed).
    A hostile file can still confuse this heuristic parser. The download headers (attachment,
    nosniff, sandbox) and a malware scanner are the layers behind it."""
    fileobj.seek(0)
    data = fileobj.read(max_bytes)  # the measured size is within max_bytes
    _scan_pdf_names(data)
    budget = PDF_MAX_INFLATED
    pos = 0
    while (match := _PDF_STREAM.search(data, pos)) is not None:
        end = data.find(b"endstream", match.end())
        end = len(data) if end < 0 else end
        # The stream's dictionary: from its "N 0 obj" up to the keyword.
        header = data[max(pos, match.start() - 4096): match.start()]
        header = _unescape(header[max(header.rfind(b"obj"), 0):])
        pos = end + len(b"endstream")
        filters = _stream_filters(header)
        if re.search(rb"/Subtype\s*/Image", header) or filters & _IMAGE_FILTERS or not filters:
            continue  # pixels, or unfiltered bytes the raw scan already covered
        if not filters <= _FLATE or _has_predictor(header):
            raise _pdf_unverifiable()
        budget = _scan_inflated(memoryview(data)[match.end():end], budget)


def _stream_filters(header: bytes) -> set[bytes]:
    match = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+|\d+\s+\d+\s+R)", header)
    if match is None:
        return set()
    value = match[1]
    if value.endswith(b"R"):
        return {b"?"}  # an indirect filter list: not decodable here
    return set(re.findall(rb"/([^\s/\[\]<>()]+)", value))


def _has_predictor(header: bytes) -> bool:
    # A PNG/TIFF predictor scrambles the inflated bytes, so names inside would go unseen. Only
    # cross-reference streams use one in practice, and they hold offsets, not dictionaries.
    predictor = re.search(rb"/Predictor\s+(\d+)", header)
    return predictor is not None and int(predictor[1]) > 1 and not re.search(rb"/Type\s*/XRef", header)


def _scan_inflated(body: memoryview, budget: int) -> int:
    inflater = zlib.decompressobj()
    pending = body
    carry = b""
    while True:
        try:
            out = inflater.decompress(pending, CHUNK * 16)
        except zlib.error:
            return budget  # a broken stream shows nothing to a reader either; the raw scan stands
        pending = inflater.unconsumed_tail
        if not out:
            return budget
        budget -= len(out)
        if budget < 0:
            raise _pdf_unverifiable()
        # Keep a tail so a name split across two chunks is still seen.
        _scan_pdf_names(carry + out)
        carry = out[-64:]


# --- stored files: verified open, download -----------------------------------------------------------


class StoredFileUnavailable(DomainError):
    """A stored file is gone (code "missing") or no longer matches its recorded SHA-256 (code
    "tampered"); the kind below decides the status (410 and 409)."""


class StoredFileMissing(StoredFileUnavailable, Gone):
    pass


class StoredFileTampered(StoredFileUnavailable, Conflict):
    pass


def open_verified(stored: FieldFile, *, sha256: str, actor, obj, failure_action: str, missing: str,
                  tampered: str, request=None, detail: dict | None = None) -> BinaryIO:
    """Open a stored file for reading, at its start, only while its content still has the SHA-256
    recorded when it was stored (R20). Permission, and auditing the read itself, are the caller's.

    A missing or altered file is never handed out: the refusal is audited as `failure_action` (outcome
    failure; `detail` plus the reason and the expected digest, so an altered file can be traced) and
    StoredFileUnavailable is raised with the feature's wording, `missing` or `tampered`."""
    try:
        if not stored.name:
            raise FileNotFoundError(obj.pk)
        handle = stored.storage.open(stored.name, "rb")
    except FileNotFoundError:
        reason, message = "missing", missing
    else:
        try:
            intact = file_sha256(handle) == sha256
        except BaseException:
            handle.close()
            raise
        if intact:
            handle.seek(0)
            return handle
        handle.close()
        reason, message = "tampered", tampered
    audit_log(action=failure_action, outcome=AuditEvent.Outcome.FAILURE, actor=actor, request=request,
              obj=obj, detail={**(detail or {}), "reason": reason, "sha256": sha256})
    kind = StoredFileMissing if reason == "missing" else StoredFileTampered
    raise kind(message, code=reason)


def download_response(handle: BinaryIO, *, filename: str, content_type: str) -> FileResponse:
    """The stored bytes as a download no browser renders or runs (R18): an attachment, the type the
    platform decided (never the client's), no sniffing, a sandboxing CSP, never cached (R30)."""
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "no-store"
    return response
