"""Presentation constants shared by the result page and the PDF report."""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from diagnosis.spec.english import local_total_title

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


def _option_title(option) -> str:
    return option.title_en or option.title


def english_reason(item, row: Mapping[str, Any], answer: Any) -> str:
    """The English twin of the scoring engine's Chinese reason for one stored item row (what was
    answered and what it scored), built from the row and the answer it was scored from. The
    spec's Chinese-only texts (scenario level descriptors, ratio bands) are left out; the row's
    own reason is kept when the answer is unknown."""
    title = item.title_en or item.title
    points = row.get("points")
    if not row.get("visible", True):
        return f"{title}: not applicable given the other answers; " + ("0 points" if item.scored else "not scored")
    if item.kind == "scenario":
        level = int(row.get("level") or 0)
        return f"{title}: level {level}" if level else f"{title}: level 0 (not started)"
    if answer is None:
        return row.get("reason", "")
    if item.kind in ("choice", "requirement"):
        option = item.option_index.get(answer)
        if option is None:
            return row.get("reason", "")
        if item.kind == "requirement":
            return f"{title}: {_option_title(option)} ({points})"
        if points is None:
            return f"{title}: {_option_title(option)}"
        return f"{title}: '{_option_title(option)}' chosen, {points} points"
    if item.kind == "multi":
        chosen = [item.option_index[code] for code in answer if code in item.option_index]
        if chosen and chosen[0].exclusive:
            return f"{title}: '{_option_title(chosen[0])}' chosen, {points} points"
        if len(chosen) == sum(1 for o in item.options if not o.exclusive):
            return f"{title}: all {len(chosen)} chosen, {points} points"
        names = "; ".join(_option_title(o) for o in chosen)
        return f"{title}: {len(chosen)} chosen ({names}), {points} points"
    if item.kind == "ratio":
        unit = item.ratio.unit if item.ratio else ""
        return f"{title}: {row.get('value')}{unit}, {points} points"
    return row.get("reason", "")


def english_gap(spec, gap: Mapping[str, Any]) -> str:
    """The English twin of a stored gap's Chinese message (what the next level or stage still
    needs), from its kind, target and figures; the stored message when the kind is unknown."""
    grade = next((g for g in (*spec.levels, *spec.stages) if g.code == gap.get("target")), None)
    target = (grade.title_en or grade.title) if grade else str(gap.get("target", ""))
    required, actual, short = gap.get("required"), gap.get("actual"), gap.get("shortfall")
    codes = list(gap.get("codes") or ())
    kind = gap.get("kind")
    if kind == "total":
        return f"{local_total_title(spec, 'en')} {actual}; {target} needs ≥ {required}, {short} points short"
    if kind == "dimension" and codes and codes[0] in spec.dimension_index:
        name = _local(spec.dimension_index[codes[0]], "en")
        return f"{name} score rate {actual}%; {target} needs ≥ {required}%, {short} percentage points short"
    if kind == "scenarios":
        rule = next((r for r in grade.scenario_rules if str(r.count) == str(required)), None) if grade else None
        found = spec.scenario_set_index.get(rule.scenario_set) if rule and rule.scenario_set else None
        what = f"of the {_local(found, 'en')}" if found else "scenarios"
        level = f" at level {rule.min_level} or higher" if rule else ""
        return f"{target} needs at least {required} {what}{level}; {actual} now, {short} short"
    if kind == "level_score":
        names = ", ".join(_local(spec.dimension_index[c], "en") for c in codes if c in spec.dimension_index)
        return (f"A level score of {actual} is below {required}, so the higher levels do not count"
                + (f"; sub-domains scoring low at that level: {names}" if names else ""))
    return str(gap.get("message", ""))


def localised_result(spec, result: Mapping[str, Any], answers: Mapping[str, Any], language: str) -> Mapping[str, Any]:
    """A stored result whose item reasons and gap messages are in ``language``: the stored
    (Chinese) ones for Chinese, ``english_reason`` and ``english_gap`` for English. Scores and
    everything else are unchanged."""
    if language != "en" or not result:
        return result
    items = [
        {**row, "reason": english_reason(spec.items[row["code"]], row, answers.get(row["code"]))}
        if row.get("code") in spec.items else row
        for row in result.get("items", ())
    ]
    gaps = [{**gap, "message": english_gap(spec, gap)} for gap in result.get("gaps") or ()]
    return {**result, "items": items, "gaps": gaps}
