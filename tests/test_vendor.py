"""Vendored front-end files: plotly.js is a partial bundle (core, scatterpolar, bar) built by
scripts/plotly-bundle/build.sh from the plotly.js version the installed plotly package ships, named
by that version, so a `pip install -U plotly` cannot silently drift from the served copy; its
licence travels with it; and every trace type the pages draw is in the bundle."""

import json
import re
from pathlib import Path

import plotly
from django.contrib.staticfiles import finders
from plotly.offline import get_plotlyjs_version

from diagnosis.results import charts
from diagnosis.results.charts import BUNDLED_TRACES, plotly_js_static_path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"
PACKAGE_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
BUNDLE_DIR = ROOT / "scripts" / "plotly-bundle"


def _bundle() -> Path:
    return ROOT / "static" / plotly_js_static_path()


def test_the_bundle_is_built_from_the_packages_plotly_js_version():
    version = get_plotlyjs_version()
    assert plotly_js_static_path() == f"vendor/plotly-polar-bar-{version}.min.js"
    assert _bundle().exists(), f"{_bundle().relative_to(ROOT)} is missing: run scripts/plotly-bundle/build.sh"
    assert f"plotly.js v{version}" in PACKAGE_JS.read_text(encoding="utf-8")[:200]
    assert f"- minified) v{version}" in _bundle().read_text(encoding="utf-8")[:300]
    pinned = json.loads((BUNDLE_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]["plotly.js"]
    assert pinned == version, "pin plotly.js in scripts/plotly-bundle/package.json to the package's version"


def test_the_bundle_is_a_partial_one_with_every_trace_type_the_pages_draw():
    text = _bundle().read_text(encoding="utf-8")
    assert len(text) < 1_500_000 < PACKAGE_JS.stat().st_size  # 1.2 MB instead of 4.8 MB
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', text))
    assert set(BUNDLED_TRACES) <= registered, registered
    assert "scattergeo" not in registered and "scatter3d" not in registered
    entry = (BUNDLE_DIR / "entry.js").read_text(encoding="utf-8")
    for trace in BUNDLED_TRACES[1:]:
        assert f"plotly.js/lib/{trace}'" in entry


def test_the_figures_use_only_bundled_trace_types():
    from decimal import Decimal

    figures = [charts.radar(["a", "b", "c"], [Decimal(1), Decimal(2), Decimal(3)], name="r"),
               charts.comparison_bar(["a"], [Decimal(1)], [Decimal(2)], before_name="T0", after_name="T1")]
    for figure in figures:
        assert {trace["type"] for trace in charts.figure_data(figure)["data"]} <= set(BUNDLED_TRACES)


def test_the_licence_is_vendored_with_the_bundle():
    licence = (VENDOR / "plotly.js-LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT" in licence or "Permission is hereby granted" in licence


def test_only_one_plotly_file_is_vendored():
    assert [p.name for p in VENDOR.glob("plotly*.js")] == [Path(plotly_js_static_path()).name]


def test_templates_find_the_vendored_files():
    assert finders.find(plotly_js_static_path())
    assert finders.find("vendor/htmx-2.0.8.min.js")
    assert finders.find("js/result-charts.js")


def test_the_readme_lists_every_vendored_file():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for path in VENDOR.glob("*.js"):
        assert f"`{path.name}`" in readme, path.name
    assert "htmx.org" in readme and "plotly.js-LICENSE.txt" in readme
