"""Plotly figures for the result and comparison pages.

Builders take plain labels and Decimal values and return a ``plotly.graph_objects.Figure``; the
page embeds ``figure_data(fig)`` (parsed ``fig.to_json()``) in a JSON script tag that
static/js/result-charts.js hands to ``Plotly.newPlot``, because the CSP forbids inline scripts.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs_version

BRAND = "#0b4f9c"
EARLIER = "#9aa5b1"
FONT = "Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"


# Trace types the vendored partial bundle holds (scripts/plotly-bundle/entry.js); a figure of any
# other type would draw nothing, which tests/test_vendor.py guards against.
BUNDLED_TRACES = ("scatter", "scatterpolar", "bar", "heatmap")


def plotly_js_static_path() -> str:
    """The vendored plotly.js partial bundle (core, scatterpolar and bar: 1.2 MB instead of the full
    4.8 MB) built from the plotly.js version of the installed plotly package (tests/test_vendor.py
    keeps the file and the package in step)."""
    return f"vendor/plotly-polar-bar-{get_plotlyjs_version()}.min.js"


def chart_dimensions(dimensions: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The dimensions a chart shows: the second level when the standard nests (SME 2024 has three
    top-level parts, too few for a radar), else the top level; out-of-scope ones are left out."""
    dimensions = list(dimensions)
    nested = any(d["children"] for d in dimensions)
    chosen = [child for d in dimensions for child in d["children"]] if nested else dimensions
    return [d for d in chosen if d["visible"]]


def _floats(values: Iterable[Decimal | None]) -> list[float | None]:
    # Plotly draws floats; the figures are display only, every judged number stays Decimal.
    return [None if v is None else float(v) for v in values]


def _layout(**extra) -> dict:
    return {"font": {"family": FONT, "size": 13}, "margin": {"l": 48, "r": 48, "t": 32, "b": 48},
            "height": 420, "paper_bgcolor": "#ffffff", "template": "none", **extra}


def _wrapped(label: str, width: int = 14) -> str:
    """A long English label broken at spaces (plotly's <br>), so the radar's outer labels stay inside
    a phone-wide chart; Chinese titles are short and stay on one line."""
    words, lines = label.split(" "), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


def radar(labels: Sequence[str], percents: Sequence[Decimal], *, name: str) -> go.Figure:
    """Score rate (0–100 %) per dimension as a closed radar.

    The first dimension sits at the top and the rest follow clockwise; the radial axis with its
    0–100 % labels lies halfway between the first two spokes, so no spoke crosses its labels."""
    labels = [_wrapped(label) for label in labels]
    between = 90 - 180 / len(labels) if labels else 90
    # Repeat the first point so the outline closes.
    return go.Figure(
        data=[go.Scatterpolar(r=_floats([*percents, percents[0]]) if percents else [],
                              theta=[*labels, labels[0]] if labels else [], fill="toself", name=name,
                              line={"color": BRAND}, hovertemplate="%{theta}: %{r:.2f}%<extra></extra>")],
        layout=_layout(showlegend=False, margin={"l": 84, "r": 84, "t": 40, "b": 40},
                       polar={"radialaxis": {"range": [0, 100], "tickvals": [25, 50, 75],
                                             "ticktext": ["25%", "50%", "75%"],
                                             "angle": between, "tickangle": between, "showline": False,
                                             "tickfont": {"size": 10, "color": "#52606d"}},
                              "angularaxis": {"rotation": 90, "direction": "clockwise"}}),
    )


def comparison_bar(labels: Sequence[str], before: Sequence[Decimal | None], after: Sequence[Decimal | None], *,
                   before_name: str, after_name: str) -> go.Figure:
    """Grouped bars per dimension: score rate at T0 next to T1."""
    return go.Figure(
        data=[
            go.Bar(x=list(labels), y=_floats(before), name=before_name, marker={"color": EARLIER},
                   hovertemplate="%{x}: %{y:.2f}%<extra></extra>"),
            go.Bar(x=list(labels), y=_floats(after), name=after_name, marker={"color": BRAND},
                   hovertemplate="%{x}: %{y:.2f}%<extra></extra>"),
        ],
        layout=_layout(barmode="group", yaxis={"range": [0, 100], "ticksuffix": "%"},
                       legend={"orientation": "h", "y": -0.2}),
    )


def figure_data(figure: go.Figure) -> dict:
    """The figure as plain JSON data for ``json_script`` (fig.to_json() parsed back)."""
    return json.loads(figure.to_json())
