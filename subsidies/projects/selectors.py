"""Reads of projects: the scoped lists, and the outcome rows that feed points per yuan."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from subsidies.projects import outcomes
from subsidies.projects.models import Project
from subsidies.projects.services import dimension_points


def projects_for(user):
    return (Project.objects.visible_to(user)
            .select_related("enterprise", "provider", "region", "application__version__programme")
            .order_by("-filed_at", "pk"))


def subsidy_of(project: Project) -> Decimal:
    """The money the project received: a used voucher's covered amount, else the decided amount of
    its application; 0 when it was not funded (then it is not counted)."""
    application = project.application
    if application is None:
        return Decimal(0)
    voucher = getattr(application, "voucher", None)
    if voucher is not None and voucher.redeemed_amount is not None:
        return voucher.redeemed_amount
    return application.decided_amount or Decimal(0)


def project_outcomes(user) -> list[outcomes.ProjectOutcome]:
    """Accepted projects the user may see, each with its gain in the targeted dimensions."""
    rows = []
    for project in projects_for(user).filter(status=Project.Status.ACCEPTED).select_related(
            "baseline", "follow_up", "application__voucher"):
        gain = outcomes.dimension_gain(dimension_points(project.baseline), dimension_points(project.follow_up),
                                       project.target_dimensions)
        programme = project.application.version.programme.name if project.application else ""
        rows.append(outcomes.ProjectOutcome(
            project_id=project.pk, programme=programme, district=project.region.name,
            provider=project.provider.name if project.provider else _("(no provider)"),
            subsidy=subsidy_of(project), gain=gain.points))
    return rows


def points_per_yuan(user) -> dict:
    data = project_outcomes(user)
    return {"overall": outcomes.overall(data),
            "tables": [(grouping, outcomes.table(data, grouping)) for grouping in outcomes.GROUPINGS]}
