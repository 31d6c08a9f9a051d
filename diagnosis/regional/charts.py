"""Plotly figures of the regional dashboards, drawn from a ``Table``'s chart data (what the table
shows, nothing it withholds); embedded like the result page's (diagnosis/results/charts.py)."""

import plotly.graph_objects as go

from diagnosis.results.charts import BRAND, FONT, figure_data

PALETTE = [BRAND, "#d97706", "#15803d", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#9aa5b1", "#a16207",
           "#1d4ed8", "#c2410c", "#6d28d9"]


def _floats(values):
    return [None if v is None else float(v) for v in values]


def table_figure(table) -> dict | None:
    """The figure for ``table`` as JSON-ready data, or None when it has no chart."""
    if not table.chart_kind or not table.chart_series:
        return None
    data = []
    for i, (name, values) in enumerate(table.chart_series):
        color = PALETTE[i % len(PALETTE)]
        if table.chart_kind == "line":
            data.append(go.Scatter(x=table.chart_x, y=_floats(values), name=name, mode="lines+markers",
                                   line={"color": color}, connectgaps=False))
        else:
            data.append(go.Bar(x=table.chart_x, y=_floats(values), name=name, marker={"color": color}))
    layout = {"font": {"family": FONT, "size": 12}, "margin": {"l": 40, "r": 16, "t": 24, "b": 72}, "height": 340,
              "paper_bgcolor": "#ffffff", "template": "none", "legend": {"orientation": "h", "y": -0.25},
              "barmode": "stack" if table.chart_kind == "stack" else "group",
              "showlegend": table.chart_kind != "bar", "xaxis": {"automargin": True},
              "yaxis": {"rangemode": "tozero", "ticksuffix": "%" if table.chart_kind in ("stack", "group") else ""}}
    return figure_data(go.Figure(data=data, layout=layout))
