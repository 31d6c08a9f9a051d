"""The restricted URL fetcher (docs/security.md R19): it serves files under static/css and
static/fonts and refuses everything else — unit tests, no rendering."""

import zlib

import pytest

from diagnosis.report.pdf import AssetFetcher, URLRefused, asset_root, pdf_page_count


@pytest.fixture
def assets(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "fonts").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "css" / "report.css").write_text("body { color: black }")
    (tmp_path / "css" / "page.html").write_text("<p>not a stylesheet</p>")
    (tmp_path / "fonts" / "Noto.otf").write_bytes(b"OTTO")
    (tmp_path / "templates" / "secret.css").write_text("/* outside the allowed folders */")
    (tmp_path / "css" / "escape.css").symlink_to("/etc/hostname")
    return tmp_path


@pytest.fixture
def fetcher(assets):
    return AssetFetcher((assets / "css", assets / "fonts"))


def test_it_serves_the_report_stylesheet_and_fonts(fetcher, assets):
    css = fetcher.fetch((assets / "css" / "report.css").as_uri())
    assert css.read() == b"body { color: black }" and css.content_type == "text/css"
    assert fetcher.fetch((assets / "fonts" / "Noto.otf").as_uri()).read() == b"OTTO"
    assert fetcher.refused == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/a",
    "https://example.cn/report.css",
    "ftp://127.0.0.1/report.css",
    "data:text/css,body{}",
    "file:///etc/passwd",
    "file:///etc/hostname",
    "file:///dev/urandom",
    "file://fileserver/share/report.css",
])
def test_it_refuses_anything_else(fetcher, url):
    with pytest.raises(URLRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_it_refuses_paths_that_leave_the_allowed_folders(fetcher, assets):
    for url in (f"file://{assets}/css/../templates/secret.css", f"file://{assets}/css/..%2Ftemplates/secret.css",
                (assets / "templates" / "secret.css").as_uri(), (assets / "css" / "escape.css").as_uri(),
                (assets / "css" / "page.html").as_uri(), (assets / "css" / "missing.css").as_uri(),
                f"{(assets / 'css' / 'report.css').as_uri()}?x=1", (assets / "css").as_uri()):
        with pytest.raises(URLRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 8


def test_it_never_opens_a_connection(fetcher, monkeypatch):
    import urllib.request

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda *a, **k: pytest.fail("network used"))
    with pytest.raises(URLRefused):
        fetcher.open("http://127.0.0.1:9/a")


def test_the_project_assets_are_where_the_template_expects_them():
    assert (asset_root() / "css" / "report.css").is_file()


def test_the_page_count_is_read_from_a_plain_or_a_compressed_page_tree():
    assert pdf_page_count(b"%PDF-1.7\n1 0 obj\n<</Type /Pages/Kids [2 0 R]/Count 12>>") == 12
    stream = zlib.compress(b"1 0 2 40\n<</Type /Pages/Kids [6 0 R 8 0 R]/Count 2>>")
    assert pdf_page_count(b"%PDF-1.7\n5 0 obj\n<</Type /ObjStm>>\nstream\n" + stream + b"\nendstream") == 2
    assert pdf_page_count(b"%PDF-1.7 nothing here") is None
