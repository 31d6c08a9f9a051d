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


def plotly_js_static_path() -> str:
    """The vendored plotly.js matching the installed plotly package (tests/test_vendor.py keeps
    the file and the package in step)."""
    return f"vendor/plotly-{get_plotlyjs_version()}.min.js"


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


def radar(labels: Sequence[str], percents: Sequence[Decimal], *, name: str) -> go.Figure:
    """Score rate (0–100 %) per dimension as a closed radar."""
    # Repeat the first point so the outline closes.
    return go.Figure(
        data=[go.Scatterpolar(r=_floats([*percents, percents[0]]) if percents else [],
                              theta=[*labels, labels[0]] if labels else [], fill="toself", name=name,
                              line={"color": BRAND}, hovertemplate="%{theta}: %{r:.2f}%<extra></extra>")],
        layout=_layout(showlegend=False, polar={"radialaxis": {"range": [0, 100], "ticksuffix": "%"}}),
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
