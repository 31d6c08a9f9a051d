"""The gap map as a plotly heat map (the vendored bundle's ``heatmap`` trace): one colour per gap
level, the cell's needs ／ providers and relative figure written in it. Drawn from the same cells as
the table beside it, so it shows nothing the table withholds; embedded like the regional dashboards'
charts (diagnosis/results/charts.py, static/js/result-charts.js)."""

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from diagnosis.results.charts import FONT, figure_data
from providers.gaps.analysis import Level

# The legend's colours (templates/providers/gaps/panel.html), one band of the colour scale per level.
COLOURS = {
    Level.UNCOVERED: "#7f1d1d", Level.HIGH: "#f87171", Level.ABOVE: "#fdba74", Level.PAR: "#fef3c7",
    Level.BELOW: "#bbf7d0", Level.NONE: "#f8fafc", Level.UNRATED: "#e5e7eb", Level.WITHHELD: "#d0d5dd",
}
_ORDER = list(COLOURS)


def _colour_scale() -> list:
    n = len(_ORDER)
    scale = []
    for i, level in enumerate(_ORDER):
        scale += [[i / n, COLOURS[level]], [(i + 1) / n, COLOURS[level]]]
    return scale


def _text(cell) -> str:
    if cell.withheld:
        return "—"
    head = f"{cell.needs}／{cell.providers}"
    if cell.level == Level.UNCOVERED:
        return f"{head}<br>{_('no provider')}"
    if cell.relative is None or cell.level == Level.NONE:
        return head
    return f"{head}<br>{cell.relative}×"


def heatmap(gap_map, category_labels: dict[str, str]) -> dict:
    """The figure as JSON-ready data: districts down, categories across."""
    table = gap_map.table
    rows = table.rows()
    n = len(_ORDER)
    z = [[(_ORDER.index(c.level) + 0.5) / n * (n - 1) for c in cells] for _d, cells in rows]
    figure = go.Figure(
        data=[go.Heatmap(
            z=z, x=[category_labels[c] for c in table.categories], y=[d.name for d, _c in rows],
            text=[[_text(c) for c in cells] for _d, cells in rows], texttemplate="%{text}",
            textfont={"size": 11}, colorscale=_colour_scale(), zmin=0, zmax=n - 1, showscale=False, xgap=3, ygap=3,
            hoverinfo="skip")],
        layout={"font": {"family": FONT, "size": 12}, "height": max(260, 70 + 46 * len(rows)),
                "margin": {"l": 8, "r": 8, "t": 8, "b": 8}, "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
                "template": "none",
                "xaxis": {"side": "top", "type": "category", "automargin": True, "showgrid": False, "ticks": "",
                          "showline": False, "zeroline": False},
                "yaxis": {"type": "category", "autorange": "reversed", "automargin": True, "showgrid": False,
                          "ticks": "", "showline": False, "zeroline": False}})
    return figure_data(figure)
