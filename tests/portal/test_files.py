"""portal/files.py: the upload checker, pure, then the verified open and the download response.
The corpus is built here, byte by byte: real minimal PDF/PNG/JPEG/DOCX/XLSX files, disguised
HTML/SVG, active PDFs, hostile archives and hostile names. The builders are imported by the view
and API tests."""

import hashlib
import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from portal import files
from portal.files import MB, UploadRejected, check_upload, sanitise_filename
from portal.models import AuditEvent

# --- builders ----------------------------------------------------------------------------------------


def minimal_pdf(extra: bytes = b"") -> bytes:
    """A one-page PDF with a Flate-compressed content stream (what real producers write)."""
    content = zlib.compress(b"BT /F1 12 Tf 20 100 Td (Evidence) Tj ET")
    return (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
            b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
            b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>\nendobj\n"
            + b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
            + b"\nendstream\nendobj\n" + extra + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def minimal_png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1×1, 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


def minimal_jpeg(exif: bytes = b"") -> bytes:
    """A real 2×2 JPEG (uploads are decoded and re-encoded now, so a header alone no longer
    passes), optionally carrying an EXIF block."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (200, 30, 30)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def office_zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')


def minimal_docx() -> bytes:
    return office_zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body><w:p/></w:body>'
                             b"</w:document>",
    })


def minimal_xlsx() -> bytes:
    return office_zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def _check(data: bytes, name: str, *, max_bytes: int = 20 * MB, size: int | None = None):
    return check_upload(io.BytesIO(data), name=name, size=len(data) if size is None else size, max_bytes=max_bytes)


def _refused(data: bytes, name: str, **kwargs) -> str:
    with pytest.raises(UploadRejected) as refusal:
        _check(data, name, **kwargs)
    assert refusal.value.message  # a translated sentence, never empty
    return refusal.value.code


# --- accepted -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("builder", "name", "kind", "content_type"), [
    (minimal_pdf, "报告.pdf", "pdf", "application/pdf"),
    (minimal_png, "scan.PNG", "png", "image/png"),
    (minimal_jpeg, "photo.jpg", "jpeg", "image/jpeg"),
    (minimal_jpeg, "photo.jpeg", "jpeg", "image/jpeg"),
    (minimal_docx, "制度文件.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (minimal_xlsx, "台账.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_real_files_are_accepted_with_their_detected_type(builder, name, kind, content_type):
    data = builder()
    checked = _check(data, name)
    assert checked.kind.code == kind
    assert checked.kind.content_type == content_type
    # Images are re-encoded (#13): size and hash describe the bytes that will be stored.
    stored = checked.content if kind in ("png", "jpeg") else data
    assert kind not in ("png", "jpeg") or checked.content is not None
    assert checked.size == len(stored)
    assert checked.name == name
    assert checked.sha256 == hashlib.sha256(stored).hexdigest()


# --- type by content, extension agreement, markup ---------------------------------------------------------


@pytest.mark.parametrize(("data", "name", "code"), [
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "report.pdf", "markup"),
    (b"\xef\xbb\xbf  <html><body>hi</body></html>", "report.pdf", "markup"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "logo.png", "markup"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "a.png", "markup"),
    # A PDF header with a script in its first KB is a polyglot a browser could sniff as HTML.
    (b"%PDF-1.4\n<script>alert(1)</script>\n", "report.pdf", "markup"),
    (b"PK\x03\x04<html><script>", "book.xlsx", "markup"),
    (b"#!/bin/sh\nrm -rf /\n", "run.pdf", "type"),
    (b"MZ\x90\x00\x03\x00\x00\x00", "setup.pdf", "type"),
    (b"GIF89a\x01\x00\x01\x00", "a.gif", "type"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old.doc", "legacy_office"),
    (b"", "empty.pdf", "empty"),
])
def test_disguised_and_unsupported_content_is_refused(data, name, code):
    assert _refused(data, name) == code


@pytest.mark.parametrize("hidden", [
    b"<html><body><script>alert(document.cookie)</script></body></html>",
    b"<IFRAME src=x>",
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
])
@pytest.mark.parametrize("offset", [2048, files.CHUNK - 3, 3 * files.CHUNK])
def test_markup_anywhere_in_a_pdf_is_refused(hidden, offset):
    """HTML placed after the first kilobyte, including across a read-chunk boundary."""
    head = minimal_pdf()
    padding = b"%" + b"x" * max(0, offset - len(head) - 2) + b"\n"
    data = minimal_pdf(extra=padding + hidden + b"\n")
    assert data.index(hidden[:5]) >= min(offset, 2048) - 64
    assert _refused(data, "report.pdf") == "markup"


def test_markup_hidden_in_an_image_tail_is_refused():
    assert _refused(minimal_png() + b"x" * 3000 + b"<script>alert(1)</script>", "scan.png") == "markup"


@pytest.mark.parametrize(("builder", "name"), [
    (minimal_pdf, "report.png"),
    (minimal_png, "scan.jpg"),
    (minimal_jpeg, "photo.pdf"),
    (minimal_docx, "document.xlsx"),
    (minimal_xlsx, "sheet.docx"),
    (minimal_pdf, "report"),
    (minimal_pdf, "report.pdf.exe"),
])
def test_the_extension_must_agree_with_the_content(builder, name):
    assert _refused(builder(), name) == "extension"


def test_an_image_with_a_zip_appended_is_refused():
    assert _refused(minimal_png() + minimal_docx(), "scan.png") == "polyglot"


# --- size -----------------------------------------------------------------------------------------------


def test_size_over_the_limit_is_refused_before_reading():
    assert _refused(minimal_pdf(), "a.pdf", max_bytes=100) == "too_large"


def test_a_file_longer_than_declared_is_measured_not_trusted():
    data = minimal_pdf() + b"%" + b"x" * 5000 + b"\n"
    assert _refused(data, "a.pdf", size=10, max_bytes=len(data) - 1) == "too_large"


# --- PDF active content -----------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [
    b"5 0 obj\n<< /Type /Action /S /JavaScript /JS (app.alert(1)) >>\nendobj\n",
    b"5 0 obj\n<< /S /JavaScript /JS 6 0 R >>\nendobj\n",
    b"5 0 obj\n<< /Type /Action /S /J#61vaScript /J#53 (app.alert(1)) >>\nendobj\n",  # #xx-escaped names
    b"5 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\n",
    b"5 0 obj\n<< /Type /EmbeddedFile /Length 3 >>\nstream\nabc\nendstream\nendobj\n",
    b"5 0 obj\n<< /Names << /EmbeddedFiles 6 0 R >> >>\nendobj\n",
])
def test_pdf_with_scripts_launch_or_embedded_files_is_refused(extra):
    assert _refused(minimal_pdf(extra), "report.pdf") == "pdf_active"


def test_pdf_keys_hidden_in_a_compressed_object_stream_are_found():
    hidden = zlib.compress(b"5 0 << /S /JavaScript /JS (app.alert(1)) >>")
    extra = (b"6 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Length %d /Filter /FlateDecode >>\nstream\n"
             % len(hidden) + hidden + b"\nendstream\nendobj\n")
    assert _refused(minimal_pdf(extra), "report.pdf") == "pdf_active"


def test_pdf_stream_in_an_undecodable_encoding_is_refused():
    extra = b"6 0 obj\n<< /Type /ObjStm /Filter /LZWDecode /Length 4 >>\nstream\n\x80\x0b\x60\x50\nendstream\nendobj\n"
    assert _refused(minimal_pdf(extra), "report.pdf") == "pdf_unverifiable"


def test_encrypted_pdf_is_refused():
    data = minimal_pdf().replace(b"<< /Root 1 0 R >>", b"<< /Root 1 0 R /Encrypt 9 0 R >>")
    assert _refused(data, "report.pdf") == "encrypted"


def test_js_like_bytes_inside_image_data_are_not_mistaken_for_a_script():
    # "/JS" with no string or reference after it, as random compressed bytes contain it now and then.
    pixels = b"\x00\x11/JS \x01\x9a" * 10
    extra = (b"5 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode /Length %d >>\nstream\n"
             % len(pixels) + pixels + b"\nendstream\nendobj\n")
    assert _check(minimal_pdf(extra), "scan.pdf").kind.code == "pdf"


# --- archives --------------------------------------------------------------------------------------------


def _zip_bomb(uncompressed: int) -> bytes:
    """[Content_Types].xml plus one highly compressible entry, written through a generator so the
    test never holds the inflated bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w") as member:
            block = bytes(MB)
            for _ in range(uncompressed // MB):
                member.write(block)
    return buffer.getvalue()


def test_zip_bomb_is_refused_quickly_with_bounded_memory():
    bomb = _zip_bomb(101 * MB)
    assert len(bomb) < MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        assert _refused(bomb, "bomb.docx") == "archive_limits"
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 4 * MB


def test_total_uncompressed_size_is_limited(monkeypatch):
    monkeypatch.setattr(files, "ZIP_MAX_TOTAL", 200)
    assert _refused(minimal_docx(), "a.docx") == "archive_limits"


def test_too_many_entries_are_refused_before_the_directory_is_read():
    parts = {"[Content_Types].xml": CONTENT_TYPES, **{f"word/media/{i}.xml": b"<x/>" for i in range(1001)}}
    assert _refused(office_zip(parts), "many.docx") == "archive_limits"


def _patch_declared_size(data: bytes, name: bytes, size: int) -> bytes:
    """Make an entry claim `size` uncompressed bytes in its local and central headers."""
    data = bytearray(data)
    local = data.find(b"PK\x03\x04")
    while local != -1:
        name_len = struct.unpack_from("<H", data, local + 26)[0]
        if bytes(data[local + 30: local + 30 + name_len]) == name:
            struct.pack_into("<L", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46: central + 46 + name_len]) == name:
            struct.pack_into("<L", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def test_an_entry_lying_about_its_size_is_caught_when_inflated():
    parts = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": bytes(512 * 1024)}
    liar = _patch_declared_size(office_zip(parts), b"word/document.xml", 1000)
    assert _refused(liar, "liar.docx") == "archive_invalid"


@pytest.mark.parametrize("member", ["../../etc/passwd", "/etc/passwd", "word/../../x", "C:/Windows/x.xml",
                                    "..\\..\\evil.dll"])
def test_entries_with_unsafe_paths_are_refused(member):
    parts = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>", member: b"x"}
    assert _refused(office_zip(parts), "a.docx") == "archive_invalid"


def test_macro_enabled_office_files_are_refused_even_when_renamed():
    parts = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\0"}
    assert _refused(office_zip(parts), "a.docx") == "macros"


@pytest.mark.parametrize("parts", [
    {"readme.txt": b"hello"},  # a plain ZIP
    {"[Content_Types].xml": CONTENT_TYPES},  # no document part
    {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w/>", "xl/workbook.xml": b"<x/>"},
])
def test_zips_that_are_not_one_office_document_are_refused(parts):
    assert _refused(office_zip(parts), "a.docx") == "type"


def test_truncated_archive_is_refused():
    assert _refused(minimal_docx()[:-30], "a.docx") == "archive_invalid"


# --- names ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\wang\\Desktop\\报告.pdf", "报告.pdf"),
    ("report\x00.pdf", "report.pdf"),
    ("evil\u202egpj.exe", "evilgpj.exe"),  # shown as "evilexe.jpg" with the override
    ("a\u2066b\u2069\u200b.pdf", "ab.pdf"),
    ("line\r\nbreak.pdf", "linebreak.pdf"),
    ("  .hidden.pdf  ", "hidden.pdf"),
    ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
    ("", "evidence"),
    ("\u202e", "evidence"),
    (".pdf", "pdf"),
    ("CON.pdf", "evidence_CON.pdf"),
    ("报告　2024.pdf", "报告 2024.pdf"),
])
def test_filenames_are_sanitised(raw, clean):
    assert sanitise_filename(raw) == clean


def test_long_names_are_cut_to_120_characters_keeping_the_extension():
    name = sanitise_filename("数" * 300 + ".pdf")
    assert len(name) == 120
    assert name.endswith("数.pdf")


def test_hostile_names_become_a_sanitised_display_name_on_an_accepted_file():
    checked = _check(minimal_pdf(), "../../" + "x" * 300 + "\u202e.pdf")
    assert checked.name.endswith(".pdf")
    assert len(checked.name) <= 120
    assert "/" not in checked.name and "\u202e" not in checked.name


# --- verified open and download response --------------------------------------------------------------


def _stored(data: bytes):
    """What open_verified reads of a FieldFile: its name in a storage."""
    name = default_storage.save("files/notes.pdf", ContentFile(data))
    return SimpleNamespace(name=name, storage=default_storage)


def _open(stored, sha256: str, obj):
    return files.open_verified(stored, sha256=sha256, actor=obj, obj=obj, detail={"assessment": 7},
                               failure_action="test.integrity_failed", missing="gone", tampered="altered")


def test_an_intact_file_opens_at_its_start_unaudited(owner):
    data = minimal_pdf()
    with _open(_stored(data), hashlib.sha256(data).hexdigest(), owner) as handle:
        assert handle.read() == data
    assert not AuditEvent.objects.exists()  # the caller audits the read itself


def test_an_altered_file_is_refused_and_audited(owner):
    data = minimal_pdf()
    stored = _stored(data + b"% appended")
    with pytest.raises(files.StoredFileUnavailable) as refusal:
        _open(stored, hashlib.sha256(data).hexdigest(), owner)
    assert (refusal.value.code, refusal.value.message) == ("tampered", "altered")
    event = AuditEvent.objects.get(action="test.integrity_failed")
    assert event.outcome == AuditEvent.Outcome.FAILURE and event.object_id == str(owner.pk)
    assert event.detail == {"assessment": 7, "reason": "tampered", "sha256": hashlib.sha256(data).hexdigest()}


@pytest.mark.parametrize("unnamed", [False, True])
def test_a_missing_file_is_refused_and_audited(owner, unnamed):
    stored = _stored(b"x")
    stored.storage.delete(stored.name)
    if unnamed:
        stored.name = ""
    with pytest.raises(files.StoredFileUnavailable) as refusal:
        _open(stored, "0" * 64, owner)
    assert (refusal.value.code, refusal.value.message) == ("missing", "gone")
    assert AuditEvent.objects.get(action="test.integrity_failed").detail["reason"] == "missing"


def test_the_download_response_is_an_inert_uncached_attachment():
    response = files.download_response(io.BytesIO(b"%PDF-1.7"), filename="现场记录.pdf",
                                       content_type="application/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%E8%AE%B0%E5%BD%95.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "no-store"
    assert b"".join(response.streaming_content) == b"%PDF-1.7"



# --- images are re-encoded -----------------------------------------------------------------------


def _exif_with_gps() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "ACME Phone"  # Make
    exif[0x8825] = {1: "N", 2: (22.0, 39.0, 0.0), 3: "E", 4: (114.0, 1.0, 0.0)}  # GPSInfo
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to view
    return exif.tobytes()


def test_images_are_stored_without_their_metadata_and_rotated_as_meant():
    from PIL import Image

    data = minimal_jpeg(exif=_exif_with_gps())
    assert b"ACME Phone" in data
    checked = _check(data, "photo.jpg")
    assert b"ACME Phone" not in checked.content and b"Exif" not in checked.content
    with Image.open(io.BytesIO(checked.content)) as image:
        assert not image.getexif()
        assert image.size == (2, 2)


def test_anything_appended_to_an_image_is_dropped():
    data = minimal_png() + b"%PDF-1.4 trailing payload"
    checked = _check(data, "scan.png")
    assert b"trailing payload" not in checked.content


@pytest.mark.parametrize(("data", "name"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9", "broken.jpg"),
    (minimal_png()[:40], "cut.png"),
])
def test_a_damaged_image_is_refused(data, name):
    assert _refused(data, name) == "image_invalid"


def test_a_decompression_bomb_is_refused():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 MP of zeros: tiny file, huge pixels
    assert _refused(buffer.getvalue(), "bomb.png") == "image_too_large"
