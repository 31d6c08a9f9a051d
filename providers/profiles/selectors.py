"""Reads for the profiles feature: the versions a user may see, the provider's working state, the
staff approval queue (scoped to their region), the diff a reviewer reads, and the case
confirmations waiting for an enterprise."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from diagnosis.results.needs import CATEGORIES
from portal.models import Provider
from portal.reference import INDUSTRY_DIVISIONS
from portal.roles import WRITE_ROLES, is_bureau_staff
from providers.models import CaseConfirmation, ProfileVersion
from providers.profiles.catalog import item_titles
from providers.profiles.document import Completeness, completeness, diff
from providers.profiles.errors import field_label, section_label
from providers.profiles.services import parse_document
from providers.taxonomy import (
    APP_CATEGORIES,
    CAPABILITY_AREAS,
    DEPLOYMENTS,
    NEW_TECHNOLOGIES,
    PRICE_MODELS,
    QUALIFICATION_KINDS,
    titles,
)

S = ProfileVersion.Status

# Code fields shown with their titles (a diff or a read-only page shows 平台开发, not "platform").
CODE_TITLES = {
    "kind": titles(QUALIFICATION_KINDS),
    "area": titles(CAPABILITY_AREAS),
    "areas": titles(CAPABILITY_AREAS),
    "category": titles(APP_CATEGORIES),
    "deployment": titles(DEPLOYMENTS),
    "price_model": titles(PRICE_MODELS),
    "new_tech": titles(NEW_TECHNOLOGIES),
    "categories": {c.code: c.title for c in CATEGORIES},
    "division": INDUSTRY_DIVISIONS,
    "industries": INDUSTRY_DIVISIONS,
}


def display(field: str, value: str) -> str:
    """A diff's plain value ("a、b") with codes replaced by their titles."""
    if not value:
        return ""
    if field == "items":
        names = item_titles()
        return "、".join(names.get(part, part) for part in value.split("、"))
    table = CODE_TITLES.get(field)
    if table is None:
        return value
    return "、".join(table.get(part, part) for part in value.split("、"))


# --- versions -------------------------------------------------------------------------------------


def versions_for(user, provider: Provider):
    return (ProfileVersion.objects.visible_to(user).filter(provider=provider)
            .select_related("created_by", "submitted_by", "decided_by").order_by("-number"))


@dataclass(frozen=True)
class ProfileState:
    published: ProfileVersion | None
    open: ProfileVersion | None  # a draft or a submitted version
    last_decided: ProfileVersion | None  # the latest rejected one, for its note
    completeness: Completeness

    @property
    def current(self) -> ProfileVersion | None:
        return self.open or self.published


def profile_state(provider: Provider) -> ProfileState:
    rows = list(ProfileVersion.objects.filter(provider=provider).order_by("-number"))
    published = next((v for v in rows if v.status == S.PUBLISHED), None)
    open_ = next((v for v in rows if v.status in ProfileVersion.OPEN), None)
    rejected = next((v for v in rows if v.status == S.REJECTED), None)
    if rejected is not None and rows and rows[0].pk != rejected.pk and (open_ is None or open_.number > rejected.number):
        rejected = None  # superseded by later work: the note is history now
    current = open_ or published
    share = completeness(parse_document(current.document).profile if current else parse_document({}).profile)
    return ProfileState(published, open_, rejected, share)


def providers_of(user):
    """The providers the user is a member of, with whether they may write."""
    if not user.is_authenticated or user.staff_role:
        return []
    rows = user.memberships.filter(provider__isnull=False).select_related("provider__region")
    return [(m.provider, m.role in WRITE_ROLES) for m in rows]


# --- staff queue ------------------------------------------------------------------------------------


def pending_approvals(user):
    """Submitted versions of providers in the staff member's region, oldest first."""
    if not is_bureau_staff(user):
        return ProfileVersion.objects.none()
    return (ProfileVersion.objects.visible_to(user).filter(status=S.SUBMITTED)
            .select_related("provider__region", "submitted_by").order_by("submitted_at", "pk"))


def age_days(moment) -> int:
    return max(0, (timezone.now() - moment).days) if moment else 0


@dataclass(frozen=True)
class DiffRow:
    section: str
    section_label: str
    kind: str  # added / removed / changed
    label: str
    fields: tuple[tuple[str, str, str], ...]  # (field label, before, after), titles not codes


def review_diff(version: ProfileVersion) -> list[DiffRow]:
    """What the version changes against its base (everything is "added" for a first version)."""
    base = version.base.document if version.base_id else {}
    before = parse_document(base).profile
    after = parse_document(version.document).profile
    rows = []
    for change in diff(before, after):
        label = change.label
        if change.section == "capabilities":
            label = display("area", label)
        elif change.section == "industries":
            label = display("division", label)
        elif change.section == "qualifications":
            label = display("kind", label)
        rows.append(DiffRow(change.section, section_label(change.section), change.kind, label,
                            tuple((field_label(f), display(f, old), display(f, new)) for f, old, new in change.fields)))
    return rows


# --- case confirmations (the client enterprise's side) ----------------------------------------------------


class ClientCaseQuerySet(models.QuerySet):
    """Case confirmations seen from the named client: its members see them, its owners and editors
    answer. (CaseConfirmation.objects is scoped to the provider's side.)"""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user).distinct()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user,
                           enterprise__memberships__role__in=WRITE_ROLES).distinct()


def client_cases():
    return ClientCaseQuerySet(model=CaseConfirmation).select_related("provider", "enterprise")


def case_details(confirmations) -> list[tuple[CaseConfirmation, dict]]:
    """Each confirmation with its case as the provider's published profile states it."""
    confirmations = list(confirmations)
    provider_ids = {c.provider_id for c in confirmations}
    documents = dict(ProfileVersion.objects.filter(provider_id__in=provider_ids, status=S.PUBLISHED)
                     .values_list("provider_id", "document"))
    out = []
    for confirmation in confirmations:
        cases = (documents.get(confirmation.provider_id) or {}).get("cases") or []
        case = next((c for c in cases if isinstance(c, dict) and c.get("key") == confirmation.case_key), {})
        out.append((confirmation, case))
    return out


def has_client_cases(user) -> bool:
    return client_cases().visible_to(user).exists()
