"""Plotly figures of the registry's pages (portrait radar, ecosystem bars), drawn in the browser by
static/js/result-charts.js from a JSON script tag, like the diagnosis result charts.

The figures are built as plain plotly JSON (``{"data": [...], "layout": {...}}``) rather than
through ``plotly.graph_objects``: the public portrait is one of the busiest pages and building a
validated ``go.Figure`` costs more than the rest of the page. The shape is what
``go.Figure.to_json()`` produces, so the same static script draws both; the same look (font,
colours, margins) comes from diagnosis.results.charts.
"""

from collections.abc import Sequence

from diagnosis.results.charts import BRAND, EARLIER, FONT

ACCENT = "#d97706"


def _layout(**extra) -> dict:
    return {"font": {"family": FONT, "size": 13}, "margin": {"l": 48, "r": 48, "t": 32, "b": 48},
            "height": 420, "paper_bgcolor": "#ffffff", **extra}


def _closed(values: Sequence) -> list:
    return [*values, values[0]] if values else []


def _wrapped(label: str, width: int = 5) -> str:
    """A long area name on two lines, so it fits beside the circle on a phone."""
    return label if len(label) <= width + 1 else f"{label[:width]}<br>{label[width:]}"


def capability_radar(labels: Sequence[str], levels: Sequence[int], verified: Sequence[int],
                     solutions: Sequence[int], *, names: tuple[str, str, str]) -> dict:
    """Declared level (0–5) per capability area, with verified cases and solutions per area on the
    same 0–5 axis (capped at 5; the table under the chart has the exact counts)."""
    capped = [min(v, 5) for v in verified]
    capped_solutions = [min(v, 5) for v in solutions]
    traces = []
    for values, name, color, fill in ((levels, names[0], BRAND, "toself"), (capped, names[1], ACCENT, "none"),
                                      (capped_solutions, names[2], EARLIER, "none")):
        traces.append({"type": "scatterpolar", "r": _closed(list(values)),
                       "theta": _closed([_wrapped(label) for label in labels]),
                       "name": name, "fill": fill, "line": {"color": color},
                       "hovertemplate": "%{r}<extra>" + name + "</extra>"})
    # Wide side margins: the area names sit outside the circle and must fit on a 390 px phone.
    return {"data": traces, "layout": _layout(
        showlegend=True, legend={"orientation": "h", "y": -0.15},
        margin={"l": 70, "r": 70, "t": 40, "b": 40},
        polar={"radialaxis": {"range": [0, 5], "dtick": 1, "angle": 90, "tickfont": {"size": 10}},
               "angularaxis": {"tickfont": {"size": 11}}})}


def bar(labels: Sequence[str], values: Sequence[float], *, name: str, suffix: str = "",
        horizontal: bool = False, height: int = 420) -> dict:
    """One series of bars; horizontal for long category names."""
    labels, values = list(labels), [float(v) for v in values]
    trace = {"type": "bar", "name": name, "marker": {"color": BRAND}}
    if horizontal:
        trace.update(x=values, y=labels, orientation="h", hovertemplate=f"%{{y}}: %{{x}}{suffix}<extra></extra>")
        layout = _layout(height=height, yaxis={"automargin": True, "autorange": "reversed"},
                         xaxis={"ticksuffix": suffix}, margin={"l": 16, "r": 24, "t": 16, "b": 40})
    else:
        trace.update(x=labels, y=values, hovertemplate=f"%{{x}}: %{{y}}{suffix}<extra></extra>")
        layout = _layout(height=height, yaxis={"ticksuffix": suffix}, xaxis={"automargin": True})
    return {"data": [trace], "layout": layout}


def stacked_levels(labels: Sequence[str], by_level: Sequence[Sequence[float]], level_names: Sequence[str], *,
                   suffix: str = "%") -> dict:
    """Horizontal stacked bars: per area, the share of providers at each declared level."""
    palette = ("#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
    traces = []
    for index, name in enumerate(level_names):
        traces.append({"type": "bar", "orientation": "h", "name": name, "y": list(labels),
                       "x": [float(row[index]) for row in by_level], "marker": {"color": palette[index % 5]},
                       "hovertemplate": "%{y} · " + name + ": %{x:.1f}" + suffix + "<extra></extra>"})
    return {"data": traces, "layout": _layout(
        barmode="stack", height=460, yaxis={"automargin": True, "autorange": "reversed"},
        xaxis={"ticksuffix": suffix}, legend={"orientation": "h", "y": -0.15},
        margin={"l": 16, "r": 24, "t": 16, "b": 40})}
