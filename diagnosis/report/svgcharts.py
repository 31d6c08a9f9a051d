"""The report's charts as plain SVG markup: a radar and horizontal bars of the score rate per
dimension.

WeasyPrint runs no JavaScript, so the web page's plotly figures cannot go into the PDF as they
are. These builders take the same data as ``diagnosis.results.charts`` (the dimensions
``chart_dimensions`` picks, their titles and score rates) and return an ``<svg>`` string whose
labels are ``<text>`` elements: WeasyPrint lays them out with the embedded CJK font, so the chart
stays vector and its Chinese text searchable. The README section "PDF charts" records why this
beat plotly's own SVG export (kaleido + Chromium).

Pure: labels and Decimals in, a string out. Every piece of text goes through ``escape`` and every
number through ``float`` formatting, so nothing passed in can become markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from diagnosis.results.charts import BRAND, EARLIER, FONT

GRID = "#c9d1db"
INK = "#1f2933"
MUTED = "#5f6b7a"
RINGS = (20, 40, 60, 80, 100)
# Characters per label line: CJK titles wrap by count, English ones at word boundaries.
CJK_LINE = 8
LATIN_LINE = 18
MAX_LINES = 3


@dataclass(frozen=True, slots=True)
class Series:
    """One outline or one bar per label: score rates in per cent (0–100), None where missing."""

    name: str
    values: tuple[Decimal | None, ...]
    color: str = BRAND


def self_and_verified(declared: Sequence[Decimal | None], verified: Sequence[Decimal | None] | None, *,
                      declared_name: str, verified_name: str) -> tuple[Series, ...]:
    """The usual pair: the self-declared rates, plus the verified ones in the brand colour when
    the review has produced them (the self-declared ones then turn grey)."""
    if verified is None:
        return (Series(declared_name, tuple(declared), BRAND),)
    return (Series(declared_name, tuple(declared), EARLIER), Series(verified_name, tuple(verified), BRAND))


def _n(value: float) -> str:
    return f"{value:.1f}"


def _rate(value: Decimal | None) -> float:
    # Drawn positions only: the printed figures are the Decimal strings themselves.
    return 0.0 if value is None else min(max(float(value), 0.0), 100.0)


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def _wrap(label: str) -> list[str]:
    # Latin text (any label without CJK characters) breaks only between words: "Resources" stays one
    # word however narrow the line, never "Resource" + "s".
    if not any(_is_cjk(ch) for ch in label):
        lines, line = [], ""
        for word in label.split():
            if line and len(line) + 1 + len(word) > LATIN_LINE:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
    else:
        lines = [label[i:i + CJK_LINE] for i in range(0, len(label), CJK_LINE)] or [""]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES - 1], lines[MAX_LINES - 1] + "…"]
    return lines


def _text(x: float, y: float, content: str, *, size: float = 10, anchor: str = "start", fill: str = INK,
          weight: int = 400, line_height: float = 1.25, lines: Sequence[str] | None = None) -> str:
    lines = list(lines) if lines is not None else [content]
    spans = "".join(
        f'<tspan x="{_n(x)}" dy="{_n(0 if i == 0 else size * line_height)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines))
    return (f'<text x="{_n(x)}" y="{_n(y)}" font-family={quoteattr(FONT)} font-size="{_n(size)}" '
            f'font-weight="{weight}" fill="{fill}" text-anchor="{anchor}">{spans}</text>')


def _svg(width: float, height: float, body: Sequence[str], *, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
            f'width="{_n(width)}" height="{_n(height)}" role="img"><title>{escape(title)}</title>'
            + "".join(body) + "</svg>")


def _legend(series: Sequence[Series], *, x: float, y: float) -> list[str]:
    if len(series) < 2:
        return []
    parts, cursor = [], x
    for s in series:
        parts.append(f'<rect x="{_n(cursor)}" y="{_n(y - 8)}" width="10" height="10" fill="{s.color}"/>')
        parts.append(_text(cursor + 14, y, s.name, size=9))
        # Width estimate: CJK glyphs are about one em wide, Latin ones about half.
        cursor += 30 + sum(9 if ord(ch) > 0x2E80 else 5 for ch in s.name)
    return parts


def radar_svg(labels: Sequence[str], series: Sequence[Series], *, title: str, size: float = 460) -> str:
    """Score rate per dimension as closed outlines on rings at 20 … 100 %, first axis at the top,
    clockwise (one outline per series)."""
    count = len(labels)
    width, height = size + 120, size
    cx, cy = width / 2, size / 2 - 6
    radius = size / 2 - 64
    angles = [-math.pi / 2 + 2 * math.pi * i / count for i in range(count)]

    def point(angle: float, rate: float) -> tuple[float, float]:
        return cx + radius * rate / 100 * math.cos(angle), cy + radius * rate / 100 * math.sin(angle)

    def polygon(rates: Sequence[float]) -> str:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in (point(a, r) for a, r in zip(angles, rates, strict=True)))

    body = []
    for ring in RINGS:
        body.append(f'<polygon points="{polygon([ring] * count)}" fill="none" stroke="{GRID}" stroke-width="0.6"/>')
    for angle in angles:
        x, y = point(angle, 100)
        body.append(f'<line x1="{_n(cx)}" y1="{_n(cy)}" x2="{_n(x)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="0.6"/>')
    # The ring labels sit halfway between the first two spokes, where no spoke crosses them.
    between = -math.pi / 2 + math.pi / count if count else -math.pi / 2
    for ring in RINGS:
        x, y = point(between, ring)
        body.append(_text(x + 2, y + 2.5, f"{ring}%", size=7, fill=MUTED))
    for s in series:
        rates = [_rate(v) for v in s.values]
        body.append(f'<polygon points="{polygon(rates)}" fill="{s.color}" fill-opacity="0.18" stroke="{s.color}" '
                    f'stroke-width="1.6"/>')
        for angle, rate in zip(angles, rates, strict=True):
            x, y = point(angle, rate)
            body.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2" fill="{s.color}"/>')
    for angle, label in zip(angles, labels, strict=True):
        x, y = point(angle, 100)
        dx, dy = math.cos(angle), math.sin(angle)
        anchor = "start" if dx > 0.3 else "end" if dx < -0.3 else "middle"
        lines = _wrap(label)
        # Labels above the centre grow upwards, those below downwards, so none covers the rings.
        shift = -(len(lines) - 1) * 12.5 - 4 if dy < -0.3 else 10 if dy > 0.3 else -(len(lines) - 1) * 6.25 + 3
        body.append(_text(x + 8 * dx, y + 8 * dy + shift, label, anchor=anchor, lines=lines))
    body.extend(_legend(series, x=cx - 80, y=height - 6))
    return _svg(width, height, body, title=title)


def bars_svg(labels: Sequence[str], series: Sequence[Series], *, title: str, width: float = 520,
             unit: str = "%") -> str:
    """Horizontal bars, one group per dimension, scaled 0 … 100 with the figure at the bar's end;
    ``unit`` follows each figure and tick ("%" for score rates and shares, "" for scores out of 100)."""
    label_width, value_width, bar, gap = 150.0, 52.0, 9.0, 3.0
    plot_left, plot_right = label_width, width - value_width
    group = len(series) * (bar + gap) + 8
    top = 8.0
    rows = [_wrap(label) for label in labels]
    heights = [max(group, len(lines) * 12.5 + 6) for lines in rows]
    bottom = top + sum(heights)
    height = bottom + 20 + (16 if len(series) > 1 else 0)

    def x_of(rate: float) -> float:
        return plot_left + (plot_right - plot_left) * rate / 100

    body = []
    for tick in (0, *RINGS):
        x = x_of(tick)
        body.append(f'<line x1="{_n(x)}" y1="{_n(top)}" x2="{_n(x)}" y2="{_n(bottom)}" stroke="{GRID}" '
                    f'stroke-width="0.6"/>')
        body.append(_text(x, bottom + 11, f"{tick}{unit}", size=7, anchor="middle", fill=MUTED))
    y = top
    for index, (label, lines, row_height) in enumerate(zip(labels, rows, heights, strict=True)):
        bars_top = y + (row_height - len(series) * (bar + gap) + gap) / 2
        text_top = y + (row_height - len(lines) * 12.5) / 2 + 9.5
        body.append(_text(label_width - 6, text_top, label, anchor="end", lines=lines))
        for position, s in enumerate(series):
            value = s.values[index]
            by = bars_top + position * (bar + gap)
            body.append(f'<rect x="{_n(plot_left)}" y="{_n(by)}" width="{_n(x_of(_rate(value)) - plot_left)}" '
                        f'height="{_n(bar)}" fill="{s.color}"/>')
            shown = "—" if value is None else f"{value}{unit}"
            body.append(_text(x_of(_rate(value)) + 3, by + bar - 1.5, shown, size=7.5, fill=MUTED))
        y += row_height
    body.extend(_legend(series, x=plot_left, y=height - 4))
    return _svg(width, height, body, title=title)
