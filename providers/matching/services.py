"""Writes of matching: a new version of the weights (versions are never edited)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from diagnosis.models import Campaign
from portal.audit import audit_log
from portal.exceptions import Conflict, Forbidden, Invalid
from portal.models import Region
from portal.roles import StaffRole
from providers.matching.engine import WeightsError, parse_points
from providers.models import MatchingWeights


def can_tune_weights(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.staff_role == StaffRole.CITY and user.region_id)


def weights_error_message(error: WeightsError) -> str:
    return {
        "sum": _("The points must add up to 100."),
        "range": _("Each weight must lie between 0 and 100."),
        "places": _("Use at most two decimal places."),
        "not_number": _("Each weight must be a number."),
        "missing": _("Every component needs a weight."),
        "unknown": _("Unknown component."),
    }.get(error.code, _("These weights cannot be used."))


def create_weights_version(user, *, points: Mapping[str, Decimal], note: str, campaign: Campaign | None = None,
                           base_number: int = 0, request=None) -> MatchingWeights:
    """A new version for the user's city (and ``campaign``, when given). ``base_number`` is the
    region's latest version number the user saw (0: none): if another version appeared since, nothing is saved
    (Conflict, 409)."""
    if not can_tune_weights(user):
        raise Forbidden(_("Only city bureau staff may change the matching weights."))
    try:
        clean = parse_points(points)
    except WeightsError as exc:
        raise Invalid(weights_error_message(exc), code=f"weights_{exc.code}") from None
    note = (note or "").strip()
    if not note:
        raise Invalid(_("Say why the weights change."), code="weights_note")
    if campaign is not None and not Campaign.objects.visible_to(user).filter(pk=campaign.pk).exists():
        raise Invalid(_("Choose a campaign of your region."), code="weights_campaign")
    try:
        with transaction.atomic():
            # Numbers count up per region (campaign versions included): lock the region's row so two
            # officers never both take the next number (the unique constraint backs this up).
            Region.objects.select_for_update().filter(pk=user.region_id).first()
            scope = MatchingWeights.objects.filter(region_id=user.region_id)
            current = scope.aggregate(n=Max("number"))["n"] or 0
            if current != base_number:
                raise Conflict(_("Someone saved a newer version of these weights meanwhile: "
                                 "reload the page and check it before changing them."))
            version = MatchingWeights.objects.create(
                region_id=user.region_id, campaign=campaign, number=current + 1,
                weights={code: str(value) for code, value in clean.items()}, note=note, created_by=user)
            audit_log(action="matching.weights.create", request=request, actor=user, obj=version,
                      detail={"number": version.number, "campaign": campaign.pk if campaign else None,
                              "weights": version.weights, "note": note})
    except IntegrityError:
        raise Conflict(_("Someone saved a newer version of these weights meanwhile: "
                         "reload the page and check it before changing them.")) from None
    return version
