"""Reads of the programme pages: the staff's programmes, a programme's versions and budget lines,
the public list of open programmes and one programme's rules in plain words."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone

from subsidies import labels, rules
from subsidies.models import BudgetLine, Programme, ProgrammeVersion


def staff_programmes(user):
    return (Programme.objects.visible_to(user).select_related("region")
            .prefetch_related(Prefetch("versions", queryset=ProgrammeVersion.objects.order_by("-number")))
            .order_by("region__path", "code"))


def versions_of(programme: Programme):
    return (programme.versions.order_by("-number")
            .prefetch_related(Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("region")
                                       .order_by("region__code"))))


def open_versions(today=None):
    """Published versions still in effect, one per programme, for the public list."""
    today = today or timezone.localdate()
    return (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED, effective_to__gte=today)
            .select_related("programme", "programme__region").order_by("programme__region__path", "programme__code"))


def public_version(code: str):
    return (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED, programme__code=code)
            .select_related("programme", "programme__region").first())


def rules_in_words(version: ProgrammeVersion) -> dict:
    """The version's rules for a page: parameter rows with provenance, the formula, the conditions;
    ``problems`` instead when the stored document cannot be read (never a guessed value)."""
    out = {"params": [], "formula": "", "conditions": [], "provisional": [], "problems": ""}
    try:
        params = rules.parse_params(version.programme.instrument, version.params)
    except rules.RuleError as error:
        out["problems"] = labels.problems_text(error.problems)
    else:
        out |= {"params": labels.rule_lines(params), "formula": labels.formula_text(params),
                "provisional": labels.provisional_names(params)}
    try:
        conditions = rules.parse_conditions(version.conditions)
    except rules.RuleError as error:
        out["problems"] = (out["problems"] + "；" if out["problems"] else "") + labels.problems_text(error.problems)
    else:
        out["conditions"] = [labels.condition_text(c) for c in conditions]
    return out
