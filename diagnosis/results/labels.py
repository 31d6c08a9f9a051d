"""Presentation constants shared by the result page and the PDF report."""

from django.utils.translation import gettext, gettext_lazy

# What the provenance tags of spec values mean (docs/sources.md, Confidence tags); only the tags that
# make a result provisional reach the notice.
PROVENANCE_LABELS = {
    "S": gettext_lazy("secondary source, not yet checked against the official text"),
    "P": gettext_lazy("provisional default of this platform"),
    "M": gettext_lazy("background knowledge, not yet verified"),
}
# Recommendations shown in full; the rest are listed briefly.
SHOWN_RECOMMENDATIONS = 10


def _local(obj, language: str) -> str:
    return obj.title_en if language == "en" and getattr(obj, "title_en", "") else obj.title


def _source_title(spec, source: str, language: str) -> str:
    """What a provenance source ("item:funding", "condition:device-networking", …) is about, in
    words an enterprise reads; "" when it names nothing the reader would know. Levels and stages
    are gathered by ``provisional_titles``."""
    kind, _colon, code = source.partition(":")
    if kind in ("spec", "maturity", "maturity.scale"):
        return gettext("General weights and thresholds of the standard")
    if kind in ("option", "band"):
        code = code.split(".")[0].split("[")[0]
        kind = "item"
    if kind in ("item", "scenario", "condition", "dimension"):
        node = spec.items.get(code) or spec.dimension_index.get(code)
        return _local(node, language) if node else ""
    if kind == "scenario_group":
        group = next((g for g in spec.scenario_groups if g.code == code), None)
        return _local(group, language) if group else ""
    if kind == "scenario_set":
        found = spec.scenario_set_index.get(code)
        return _local(found, language) if found else ""
    return ""


def provisional_titles(spec, reasons, language: str) -> tuple[str, ...]:
    """The provisional reasons of a stored result (``{"tag", "source", "note"}``) as the titles of
    the items, dimensions and grades they affect, each once: what the enterprise and the PDF are
    told, without codes, tags or sources. Call it with ``language`` active."""
    titles: list[str] = []
    grades = {"level": [], "stage": []}
    for reason in reasons:
        kind, _colon, code = reason["source"].partition(":")
        if kind in grades:
            found = next((g for g in (spec.levels if kind == "level" else spec.stages) if g.code == code), None)
            if found is not None:
                grades[kind].append(_local(found, language))
            continue
        title = _source_title(spec, reason["source"], language)
        if title and title not in titles:
            titles.append(title)
    separator = ", " if language == "en" else "、"
    if grades["level"]:
        titles.append(gettext("Thresholds of the levels (%(grades)s)") % {"grades": separator.join(grades["level"])})
    if grades["stage"]:
        titles.append(gettext("Thresholds of the stages (%(grades)s)") % {"grades": separator.join(grades["stage"])})
    return tuple(titles)
