"""Reads for the results, needs and comparison pages, and the demand map's need counts."""

from collections.abc import Mapping
from typing import Any

from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, Q, When

from diagnosis.models import Assessment, Need, NewMode, RebasedResult
from portal.access import get_for_user
from portal.permissions import remember_role, role_subquery

# The population regional and demand figures are drawn from: assessments the enterprise stands by.
COUNTED_STATUSES = (Assessment.Status.SUBMITTED, Assessment.Status.APPROVED)


def verified_result(assessment: Assessment) -> Mapping[str, Any] | None:
    """The bureau's verified result, once the assessment is approved; None before that.

    During the review the verified result moves with every correction and is not final, so until
    the approval the self-declared result is the one shown and counted. This is the one rule every
    page, list, comparison, API, report and benchmark follows (``standing_total`` is its twin in SQL)."""
    if assessment.status == Assessment.Status.APPROVED and assessment.verified_result is not None:
        return assessment.verified_result
    return None


def standing_total():
    """``verified_result``'s rule as an expression: the verified total of approved assessments
    that have one, else the self-declared total — for figures computed over many rows."""
    return Case(When(status=Assessment.Status.APPROVED, verified_result__isnull=False, then=F("verified_total")),
                default=F("total"))


LARGE_FIELDS = ("submitted_answers", "result", "verified_result")


def with_result_flags(queryset):
    """``queryset`` without the stored answers and results (tens of kB a row, which a page served
    from the cache never reads; a body rendered afresh reads each with one query) and with two flags
    in their place: ``is_scored`` (a result is stored) and ``is_verified`` (``verified_result``'s
    rule, as ``standing_total`` states it in SQL)."""
    return queryset.defer(*LARGE_FIELDS).annotate(
        is_scored=ExpressionWrapper(Q(result__isnull=False), output_field=BooleanField()),
        is_verified=ExpressionWrapper(Q(status=Assessment.Status.APPROVED, verified_result__isnull=False),
                                      output_field=BooleanField()))


def scored_page_assessment(request, pk, *, write: bool = False) -> Assessment:
    """The assessment a result page or one of its panels shows, through ``get_for_user`` (404/403 as
    anywhere): read without its stored answers and results (``with_result_flags``) and with the
    viewer's role in the enterprise, which the predicates then reuse instead of reading it again."""
    queryset = with_result_flags(Assessment.objects.select_related("enterprise")).annotate(
        viewer_role=role_subquery(request.user, "enterprise"))
    assessment = get_for_user(queryset, pk, user=request.user, write=write, request=request)
    remember_role(request.user, assessment.enterprise, assessment.viewer_role)
    return assessment


def _previous_scored(assessment: Assessment, user):
    earlier = Q(submitted_at__lt=assessment.submitted_at) | Q(submitted_at=assessment.submitted_at,
                                                             pk__lt=assessment.pk)
    return (Assessment.objects.visible_to(user)
            .filter(earlier, enterprise_id=assessment.enterprise_id, spec_code=assessment.spec_code,
                    result__isnull=False)
            .exclude(pk=assessment.pk)
            .order_by("-submitted_at", "-pk"))


def previous_scored_assessment(assessment: Assessment, user) -> Assessment | None:
    """The latest scored assessment of the same enterprise and standard submitted before this one,
    among those ``user`` may see."""
    if assessment.submitted_at is None:
        return None
    return _previous_scored(assessment, user).first()


def previous_scored_pk(assessment: Assessment, user) -> int | None:
    """``previous_scored_assessment``'s pk, without reading its stored answers and results."""
    if assessment.submitted_at is None:
        return None
    return _previous_scored(assessment, user).values_list("pk", flat=True).first()


def rebased_result(assessment: Assessment, *, spec_code: str, spec_version: str) -> RebasedResult | None:
    return RebasedResult.objects.filter(assessment=assessment, spec_code=spec_code,
                                        spec_version=spec_version).first()


def needs_of(assessment: Assessment) -> dict[str, Need]:
    return {need.category: need for need in assessment.needs.all()}


def needs_by_category(region_path: str, year: int) -> dict[str, int]:
    """Stated needs per new-mode category (all six, zero-filled) of the submitted or approved
    assessments of ``year`` whose region snapshot lies under ``region_path`` — the demand map.
    Callers pass a path the user may see (e.g. ``staff_region_path(user)``)."""
    in_region = (Q(assessment__region__path__startswith=region_path)
                 | Q(assessment__region__isnull=True, assessment__enterprise__region__path__startswith=region_path))
    counts = dict(
        Need.objects.filter(in_region, assessment__year=year, assessment__status__in=COUNTED_STATUSES)
        .order_by().values("category").annotate(n=Count("pk")).values_list("category", "n")
    )
    return {category: counts.get(category, 0) for category in NewMode.values}
