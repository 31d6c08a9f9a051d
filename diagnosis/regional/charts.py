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
        elif table.chart_kind == "hgroup":
            data.append(go.Bar(y=table.chart_x, x=_floats(values), name=name, orientation="h",
                               marker={"color": color}))
        else:
            data.append(go.Bar(x=table.chart_x, y=_floats(values), name=name, marker={"color": color}))
    layout = {"font": {"family": FONT, "size": 12}, "margin": {"l": 40, "r": 16, "t": 24, "b": 72}, "height": 340,
              "paper_bgcolor": "#ffffff", "template": "none", "legend": {"orientation": "h", "y": -0.25},
              "barmode": "stack" if table.chart_kind == "stack" else "group",
              "showlegend": table.chart_kind != "bar", "xaxis": {"automargin": True, "type": "category"},
              "yaxis": {"rangemode": "tozero", "ticksuffix": table.chart_unit}}
    if table.chart_kind == "hgroup":
        # Long group names (industries, clusters) read along the vertical axis, also on a phone.
        layout.update(barmode="group", height=max(260, 90 + 30 * len(table.chart_x)),
                      margin={"l": 8, "r": 16, "t": 40, "b": 32},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"},
                      yaxis={"automargin": True, "type": "category", "autorange": "reversed"},
                      xaxis={"rangemode": "tozero", "ticksuffix": table.chart_unit})
    return figure_data(go.Figure(data=data, layout=layout))
