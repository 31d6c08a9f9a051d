"""Vendored front-end files: plotly.js is byte-for-byte the file the installed plotly package ships,
named by its version, so a `pip install -U plotly` cannot silently drift from the served copy."""

from pathlib import Path

import plotly
from django.contrib.staticfiles import finders
from plotly.offline import get_plotlyjs_version

from diagnosis.results.charts import plotly_js_static_path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"
PACKAGE_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_vendored_plotly_equals_the_packages_file():
    vendored = ROOT / "static" / plotly_js_static_path()
    assert vendored.exists(), (
        f"{vendored.relative_to(ROOT)} is missing: copy {PACKAGE_JS} there (see static/vendor/README.md)")
    assert vendored.read_bytes() == PACKAGE_JS.read_bytes(), "re-copy plotly.min.js from the plotly package"


def test_the_file_name_carries_the_version_in_its_header():
    version = get_plotlyjs_version()
    assert plotly_js_static_path() == f"vendor/plotly-{version}.min.js"
    assert f"plotly.js v{version}" in PACKAGE_JS.read_text(encoding="utf-8")[:200]


def test_only_one_plotly_version_is_vendored():
    assert [p.name for p in VENDOR.glob("plotly-*.js")] == [Path(plotly_js_static_path()).name]


def test_templates_find_the_vendored_files():
    assert finders.find(plotly_js_static_path())
    assert finders.find("vendor/htmx-2.0.8.min.js")
    assert finders.find("js/result-charts.js")


def test_the_readme_lists_every_vendored_file():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for path in VENDOR.glob("*.js"):
        assert f"`{path.name}`" in readme, path.name
    assert "htmx.org" in readme
