"""Real WeasyPrint (marked `slow`): the PDF starts with %PDF, embeds its Noto CJK fonts, keeps
the text and the chart labels searchable, prints the page footer; and nothing anyone typed makes
it fetch a URL or read a local file (docs/security.md R19) — checked with a canary HTTP server."""

import re
import shutil
import subprocess
import threading
import zlib
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

import pytest

from diagnosis.report import svgcharts
from diagnosis.report.pdf import ReportAssetError, asset_root, html_to_pdf, pdf_page_count
from tests.diagnosis.report.conftest import ready_report

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NOTO = re.compile(r"Noto-?(Sans|Serif)-?CJK-?SC")


def _poppler(tool: str, *args) -> str:
    assert shutil.which(tool), f"{tool} (poppler-utils) is needed: scripts/install-system-packages.sh"
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def _text(pdf: Path) -> str:
    return _poppler("pdftotext", str(pdf), "-")


def _fonts(pdf: Path) -> list[tuple[str, str]]:
    """(name, emb) per font of pdffonts' table."""
    lines = _poppler("pdffonts", str(pdf)).splitlines()[2:]
    header = _poppler("pdffonts", str(pdf)).splitlines()[0]
    emb = header.index("emb")
    return [(line.split()[0], line[emb:emb + 3]) for line in lines if line.strip()]


def _all_bytes(content: bytes) -> bytes:
    """The raw PDF plus every stream inflated: WeasyPrint compresses object streams, so a
    dictionary like /EmbeddedFile may only be visible after inflating."""
    view, parts = memoryview(content), [content]
    for match in re.finditer(rb"stream\r?\n", content):
        try:
            parts.append(zlib.decompressobj().decompress(view[match.end():]))
        except zlib.error:
            continue
    return b"".join(parts)


def _pdf_file(tmp_path, content: bytes) -> Path:
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    return path


def test_weasyprint_is_at_least_70():
    assert int(version("weasyprint").split(".")[0]) >= 70


def test_a_real_report(assessment, owner, site_visit):
    report = ready_report(assessment, owner)
    path = Path(report.pdf.path)
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    pages = int(re.search(r"Pages:\s+(\d+)", _poppler("pdfinfo", str(path)))[1])
    assert report.pages == pages == pdf_page_count(content) and pages > 3
    fonts = _fonts(path)
    assert fonts and all(emb == "yes" for _name, emb in fonts), fonts
    assert all(NOTO.search(name) for name, _emb in fonts), fonts
    text = _text(path)
    assert assessment.enterprise.name in text
    assert "设备系统" in text  # first label of the charts (SME 2024 charts its second level)
    assert "第 1 页 / 共" in text and f"共 {pages} 页" in text
    assert report.verification_code in text and "上线 MES 系统" in text and "车间设备联网率低" in text
    # Provisional values by title only: the spec's tags and sources are not the enterprise's (#13 Major 4).
    assert "约束性场景" in text and "[P]" not in text and "[S]" not in text and "scenario_set:" not in text
    assert b"/EmbeddedFile" not in _all_bytes(content)


def test_an_english_report(assessment, owner):
    report = ready_report(assessment, owner, language="en")
    text = _text(Path(report.pdf.path))
    assert "Page 1 of" in text and "Digital transformation diagnosis report" in text
    assert "Equipment and systems" in text


@pytest.mark.parametrize(("language", "headings"), [
    ("zh-hans", ["数字化转型诊断服务平台", "数字化转型诊断报告", "概要", "各维度得分"]),
    ("en", ["Digital Transformation Diagnosis Portal", "Summary", "Scores by dimension"]),
])
def test_headings_extract_as_whole_words(assessment, owner, language, headings):
    # The cover's kicker was letter-spaced, and pdftotext split off its first character ("数 字化…",
    # "D igital …"): every heading must come out of the text layer as the words it prints.
    report = ready_report(assessment, owner, language=language)
    lines = [line.strip() for line in _text(Path(report.pdf.path)).splitlines()]
    for heading in headings:
        assert heading in lines, heading
    assert not any(re.match(r"^\S \S", line) and line[2:] in heading for line in lines for heading in headings)


def test_the_english_report_uses_ascii_parentheses(assessment, owner):
    text = _text(Path(ready_report(assessment, owner, language="en").pdf.path))
    assert "(2024 edition) (1.0)" in text and "（1.0）" not in text


def test_chart_labels_stay_vector_and_searchable(tmp_path):
    labels = ["数字化基础", "数字化经营", "数字化管理", "数字化成效"]
    series = svgcharts.self_and_verified([Decimal(40), Decimal(55), Decimal(70), Decimal(35)], None,
                                         declared_name="自评", verified_name="核定")
    html = ('<html><head><meta charset="utf-8"></head><body>'
            f"{svgcharts.radar_svg(labels, series, title='t')}{svgcharts.bars_svg(labels, series, title='t')}"
            "</body></html>")
    path = _pdf_file(tmp_path, html_to_pdf(html, base_url=asset_root()))
    text = _text(path)
    assert all(text.count(label) == 2 for label in labels)
    assert _poppler("pdfimages", "-list", str(path)).splitlines()[2:] == []  # no raster image in it


def test_the_same_html_gives_the_same_bytes():
    html = '<html><head><meta charset="utf-8"><link rel="stylesheet" href="css/report.css"></head><body>同一</body></html>'
    assert html_to_pdf(html, base_url=asset_root()) == html_to_pdf(html, base_url=asset_root())


# --- SSRF and local files ---------------------------------------------------------------------------


@pytest.fixture
def canary():
    """A local HTTP server that counts every request (and would redirect to itself)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/redirected")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port, hits
    server.shutdown()
    server.server_close()


def _payloads(port: int) -> list[str]:
    return [
        f"<img src=http://127.0.0.1:{port}/a>",
        "<link rel=attachment href=file:///etc/passwd>",
        f"<style>@import url(http://127.0.0.1:{port}/b)</style>",
        '<p style="background: url(file:///etc/hostname)">x</p>',
        f'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://127.0.0.1:{port}/c" width="9" height="9"/></svg>',
        f'<object data="http://127.0.0.1:{port}/d"></object><iframe src="file:///etc/passwd"></iframe>',
    ]


def test_typed_markup_is_printed_not_fetched(assessment, owner, site_visit, canary, district_staff):
    port, hits = canary
    payloads = _payloads(port)
    enterprise = assessment.enterprise
    enterprise.name = payloads[0]
    enterprise.save()
    assessment.needs.update(description=" ".join(payloads[1:4]))
    site_visit.participants = payloads[4]
    site_visit.findings = payloads[5]
    site_visit.save()
    report = ready_report(assessment, owner)
    content = Path(report.pdf.path).read_bytes()
    text = _text(Path(report.pdf.path))
    assert hits == []
    # Printed as the characters typed (long ones may wrap inside their table cell).
    flat = "".join(text.split())
    assert f"<imgsrc=http://127.0.0.1:{port}/a>" in flat and "<style>@importurl(" in flat
    assert "<linkrel=attachmenthref=file:///etc/passwd>" in flat
    assert b"/EmbeddedFile" not in _all_bytes(content)
    assert "root:x:0:0" not in text and Path("/etc/hostname").read_text().strip() not in text.split()


@pytest.mark.parametrize("index", range(6))
def test_the_fetcher_stops_markup_that_escaped_the_template(canary, index):
    """Defence in depth: even raw, unescaped markup gets nothing fetched or embedded — the
    rendering fails instead."""
    port, hits = canary
    html = f'<html><head><meta charset="utf-8"></head><body><p>正文</p>{_payloads(port)[index]}</body></html>'
    with pytest.raises(ReportAssetError):
        html_to_pdf(html, base_url=asset_root())
    assert hits == []
