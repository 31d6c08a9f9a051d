"""Reads of the campaigns feature: the campaigns a bureau officer sees, each target's stage and the
coverage per district, town and park against the quota (invited → registered → started → submitted →
approved). A target counts in a stage when it has reached it: an approved firm also counts as
submitted, started, registered and invited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diagnosis.models import Assessment, Campaign, CampaignTarget
from portal.models import Membership

STAGES = (
    ("invited", _("Invited")),
    # Its own context: the bare msgid is the registration date column ("注册时间"), not a stage.
    ("registered", pgettext_lazy("campaign stage", "Registered")),
    ("started", _("Started")),
    ("submitted", _("Submitted")),
    ("approved", _("Approved")),
)
GROUP_TITLES = {"district": _("District"), "town": _("Town / street"), "park": _("Park")}
SUBMITTED = (Assessment.Status.SUBMITTED, Assessment.Status.RETURNED, Assessment.Status.APPROVED)


def campaigns_for(user):
    return Campaign.objects.visible_to(user).select_related("region")


def _assessments(campaign: Campaign, statuses=None):
    qs = Assessment.objects.filter(enterprise_id=OuterRef("enterprise_id"), year=campaign.year,
                                   spec_code__in=campaign.spec_codes)
    return qs.filter(status__in=statuses) if statuses else qs


def targets_with_stage(campaign: Campaign):
    """The campaign's targets, each annotated with the facts its stage is made of."""
    return (CampaignTarget.objects.filter(campaign=campaign)
            .annotate(registered=Exists(Membership.objects.filter(enterprise_id=OuterRef("enterprise_id"))),
                      started=Exists(_assessments(campaign)),
                      submitted=Exists(_assessments(campaign, SUBMITTED)),
                      approved=Exists(_assessments(campaign, [Assessment.Status.APPROVED]))))


def unsubmitted_targets(campaign: Campaign):
    return targets_with_stage(campaign).filter(submitted=False)


def stage_of(target) -> str:
    """The furthest stage a target (from ``targets_with_stage``) reached, or "" when not invited."""
    for key, _title in reversed(STAGES):
        if key == "invited" and target.invited_at is not None or key != "invited" and getattr(target, key):
            return key
    return ""


@dataclass(frozen=True)
class CoverageRow:
    label: str
    targets: int
    invited: int
    registered: int
    started: int
    submitted: int
    approved: int
    quota: int

    @property
    def quota_share(self) -> float:
        """Submitted firms as a share of the quota (%), the campaign's measure of success."""
        return round(100 * self.submitted / self.quota, 1) if self.quota else 0.0

    def stages(self) -> list[int]:
        return [self.invited, self.registered, self.started, self.submitted, self.approved]


@dataclass(frozen=True)
class Coverage:
    by: str
    rows: list[CoverageRow]
    total: CoverageRow


def coverage(campaign: Campaign, *, by: str = "district") -> Coverage:
    """Coverage grouped ``by`` district, town or park (a target reaching a stage counts in every
    earlier one too), with the quota apportioned to each group."""
    if by not in GROUP_TITLES:
        by = "district"
    targets = targets_with_stage(campaign)
    group = {"district": "enterprise__region__name", "town": "town", "park": "enterprise__park__name"}[by]
    reached = {
        "invited": Q(invited_at__isnull=False) | Q(registered=True) | Q(started=True),
        "registered": Q(registered=True) | Q(started=True),
        "started": Q(started=True),
        "submitted": Q(submitted=True),
        "approved": Q(approved=True),
    }
    data = (targets.values(group).annotate(targets=Count("pk"),
                                           **{key: Count("pk", filter=reached[key]) for key, _t in STAGES})
            .order_by(group))
    total_targets = sum(row["targets"] for row in data)
    rows = [CoverageRow(label=row[group] or "—", targets=row["targets"],
                        **{key: row[key] for key, _t in STAGES},
                        quota=campaign.quota_for(row["targets"], total_targets)) for row in data]
    total = CoverageRow(label=str(_("Total")), targets=total_targets,
                        **{key: sum(getattr(r, key) for r in rows) for key, _t in STAGES},
                        quota=campaign.quota_for(total_targets))
    return Coverage(by=by, rows=rows, total=total)


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    total: CoverageRow


def campaign_list(user) -> list[CampaignProgress]:
    return [CampaignProgress(c, coverage(c).total) for c in campaigns_for(user)[:100]]


def staff_panel(user) -> dict | None:
    """The home-page panel for bureau staff: their open campaigns with progress; None without any."""
    from django.utils import timezone

    from portal.roles import is_bureau_staff

    if not is_bureau_staff(user):
        return None
    open_campaigns = list(campaigns_for(user).filter(deadline__gte=timezone.localdate())[:3])
    if not open_campaigns:
        return None
    return {"campaigns": [CampaignProgress(c, coverage(c).total) for c in open_campaigns]}
