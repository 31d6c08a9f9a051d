"""The PDF's SVG charts: well-formed, every label a <text> element, nothing passed in becomes
markup. Pure, no database."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from diagnosis.report.svgcharts import Series, bars_svg, radar_svg, self_and_verified
from diagnosis.results.charts import BRAND, EARLIER

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["设备系统", "数据采集", "信息系统", "信息安全", "规划管理"]
RATES = [Decimal("62.50"), Decimal("40.00"), Decimal("100.00"), Decimal("0.00"), Decimal("33.33")]


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("draw", [radar_svg, bars_svg])
def test_every_label_is_searchable_text(draw):
    svg = draw(LABELS, [Series("自评", tuple(RATES))], title="各维度得分率")
    texts = _texts(svg)
    assert all(label in texts for label in LABELS)
    assert ET.fromstring(svg).find(f"{SVG}title").text == "各维度得分率"
    assert "<image" not in svg and "href" not in svg  # nothing to fetch


@pytest.mark.parametrize("draw", [radar_svg, bars_svg])
def test_labels_cannot_become_markup(draw):
    hostile = '<image/href="http://127.0.0.1:9/x"/>&"\''
    label = "<b>&\"'</b>"  # short enough to stay whole on its lines
    svg = draw([label, "b", "c"], [Series(hostile, (Decimal(1), Decimal(2), Decimal(3)))], title=hostile)
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{SVG}image")) and not list(root.iter(f"{SVG}b"))
    assert root.find(f"{SVG}title").text == hostile and label in _texts(svg)


def test_the_radar_draws_one_outline_per_series_on_five_rings():
    series = self_and_verified(RATES, [r / 2 for r in RATES], declared_name="自评", verified_name="核定")
    root = ET.fromstring(radar_svg(LABELS, series, title="t"))
    polygons = list(root.iter(f"{SVG}polygon"))
    assert len(polygons) == 5 + 2
    assert [p.get("stroke") for p in polygons[5:]] == [EARLIER, BRAND]
    assert {"自评", "核定"} <= set(_texts(radar_svg(LABELS, series, title="t")))  # legend


def test_a_single_series_has_no_legend_and_the_brand_colour():
    (series,) = self_and_verified(RATES, None, declared_name="自评", verified_name="核定")
    assert series.color == BRAND
    assert "自评" not in _texts(radar_svg(LABELS, [series], title="t"))


def test_bars_print_the_figures_and_a_dash_for_missing_ones():
    svg = bars_svg(["甲", "乙"], [Series("自评", (Decimal("45.00"), None))], title="t")
    texts = _texts(svg)
    assert "45.00%" in texts and "—" in texts


def test_rates_outside_0_to_100_are_drawn_at_the_edge():
    inside = radar_svg(["a", "b", "c"], [Series("s", (Decimal(100), Decimal(0), Decimal(0)))], title="t")
    beyond = radar_svg(["a", "b", "c"], [Series("s", (Decimal(250), Decimal(-5), Decimal(0)))], title="t")
    assert inside.split("fill-opacity")[0] == beyond.split("fill-opacity")[0]


def test_long_labels_wrap_into_lines():
    svg = radar_svg(["生产过程数字化管控与优化", "Digital foundation and equipment networking", "c"],
                    [Series("s", (Decimal(1), Decimal(2), Decimal(3)))], title="t")
    root = ET.fromstring(svg)
    spans = {text: ["".join(s.itertext()) for s in text.iter(f"{SVG}tspan")] for text in root.iter(f"{SVG}text")}
    assert ["生产过程数字化管", "控与优化"] in spans.values()
    assert ["Digital foundation", "and equipment", "networking"] in spans.values()


def _spans(svg: str) -> list[list[str]]:
    root = ET.fromstring(svg)
    return [["".join(s.itertext()) for s in text.iter(f"{SVG}tspan")] for text in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("draw", [radar_svg, bars_svg])
def test_a_single_english_word_is_never_cut(draw):
    svg = draw(["Resources", "Green and low-carbon", "Information systems"],
               [Series("s", (Decimal(1), Decimal(2), Decimal(3)))], title="t")
    assert ["Resources"] in _spans(svg)
    assert ["Resource", "s"] not in _spans(svg)


def test_the_ring_labels_lie_between_the_first_two_spokes():
    # Printed along the first spoke, the 20 %…100 % labels were crossed by it.
    svg = radar_svg(LABELS, [Series("s", tuple(RATES))], title="t")
    root = ET.fromstring(svg)
    centre_x = float(root.get("width")) / 2
    rings = [t for t in root.iter(f"{SVG}text") if "".join(t.itertext()).endswith("%")]
    assert len(rings) == 5
    assert all(float(t.get("x")) > centre_x + 10 for t in rings[1:])
