"""HTML in, PDF bytes out: WeasyPrint and nothing else (docs/architecture.md, report layer 3).

WeasyPrint's default fetcher opens ``http(s)://``, ``ftp://`` and ``file://`` URLs and follows
redirects (docs/security.md R19). The report only ever needs its own stylesheet (and fonts, should they
ever ship under static/fonts — today fontconfig finds the system's Noto CJK fonts, which involves
no fetching). ``AssetFetcher`` therefore serves exactly the files under ``static/css`` and
``static/fonts`` and refuses everything else. A refusal fails the whole rendering: the template
never asks for anything else, so a refused URL means markup got in that should not have, and a
report that silently lacks a piece is worse than a failed one.
"""

from __future__ import annotations

import mimetypes
import re
import zlib
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

ASSET_DIRS = ("css", "fonts")
ASSET_SUFFIXES = frozenset({".css", ".otf", ".ttf", ".ttc", ".woff", ".woff2"})


def asset_root() -> Path:
    """The directory the report template's relative URLs resolve against (its ``base_url``)."""
    return Path(settings.BASE_DIR) / "static"


class URLRefused(ValueError):
    """The URL is not one of the report's own asset files."""


class ReportAssetError(Exception):
    """The rendering asked for a resource the fetcher refused or could not read."""


class AssetFetcher(URLFetcher):
    """Serves ``file://`` URLs of regular files below the allowed directories (after resolving
    symlinks and ``..``), nothing else: no network scheme, no ``data:``, no redirects. Refused
    URLs are also kept in ``refused``, because WeasyPrint swallows fetch errors raised while it
    draws an SVG image."""

    def __init__(self, roots: tuple[Path, ...]):
        # fail_on_errors: the first refusal aborts the rendering (see the module docstring).
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self.roots = tuple(root.resolve() for root in roots)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        try:
            path = self._asset_path(url)
        except URLRefused:
            self.refused.append(url)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})

    def _asset_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost") or parts.query:
            raise URLRefused(f"only the report's own asset files can be loaded, not {url[:200]!r}")
        try:
            path = Path(url2pathname(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError):
            raise URLRefused(f"no such asset file: {url[:200]!r}") from None
        inside = any(path.is_relative_to(root) for root in self.roots)
        if not inside or not path.is_file() or path.suffix.lower() not in ASSET_SUFFIXES:
            raise URLRefused(f"not an allowed asset file: {url[:200]!r}")
        return path


def html_to_pdf(html: str, *, base_url: str | Path) -> bytes:
    """Render ``html`` (already autoescaped by its template) to PDF bytes. Relative URLs resolve
    against ``base_url``; only files under static/css and static/fonts can be loaded. Raises
    ReportAssetError when the document asked for anything else. Same input, same bytes."""
    root = asset_root()
    fetcher = AssetFetcher(tuple(root / name for name in ASSET_DIRS))
    try:
        content = HTML(string=html, base_url=str(base_url), url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as exc:
        # A BaseException in WeasyPrint: turn it into an ordinary failure of this report.
        raise ReportAssetError(str(exc.__cause__ or exc)) from exc
    if fetcher.refused:
        raise ReportAssetError(f"refused to load {fetcher.refused[0][:200]!r}")
    return content


_STREAM = re.compile(rb"stream\r?\n")
_PAGE_TREE = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)")


def pdf_page_count(content: bytes) -> int | None:
    """The page count from the root page tree of a PDF WeasyPrint wrote. pydyf puts the page
    tree in a compressed object stream, so the streams are inflated and searched too. None when
    no page tree is found."""
    found = _PAGE_TREE.search(content)
    if found:
        return int(found[1])
    view = memoryview(content)
    for match in _STREAM.finditer(content):
        try:
            inflated = zlib.decompressobj().decompress(view[match.end():])
        except zlib.error:
            continue
        found = _PAGE_TREE.search(inflated)
        if found:
            return int(found[1])
    return None
