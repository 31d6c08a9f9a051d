"""Subsidy programmes as versioned policy data, and the budget they spend from.

A programme (e.g. 东莞市数字化转型事后奖补) is keyed to its policy document and issuing body; what
it pays and to whom lives in immutable *versions*: the instrument's parameters and the eligibility
conditions (both JSON, shaped and checked by the pure ``subsidies/rules.py``), effective dates and
region scope. An application stores the version it was judged under, so publishing a new version
never changes a decided amount.

Money is ``Decimal`` in yuan with two places. A version's budget is one or more ``BudgetLine`` rows
(the total, optionally one per district); a decision reserves on its line with one conditional
``UPDATE … WHERE reserved + amount <= allocated`` and the CHECK constraints make an overspend
impossible even for a write that forgot the guard.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import Region
from portal.roles import staff_region_path


class Instrument(models.TextChoices):
    SERVICE_VOUCHER = "service_voucher", _("Service voucher")
    CLOUD_VOUCHER = "cloud_voucher", _("Cloud voucher")
    POST_HOC_REWARD = "post_hoc_reward", _("Post-hoc reward")
    INTEREST_SUBSIDY = "interest_subsidy", _("Interest subsidy")
    LEVEL_REWARD = "level_reward", _("Level-based reward")
    DEMONSTRATION_GRANT = "demonstration_grant", _("Demonstration grant")
    OPEN_CALL = "open_call", _("Open call (揭榜挂帅)")


class ProgrammeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(versions__status=ProgrammeVersion.Status.PUBLISHED).distinct()

    def visible_to(self, user):
        """Staff see the programmes of their region's subtree and those above it that reach into it;
        everyone else sees published ones (the public programme list)."""
        path = staff_region_path(user) if user.is_authenticated and user.is_active else None
        if path is None:
            return self.published()
        return self.filter(Q(region__path__startswith=path) | Q(region__path__in=_ancestor_paths(path)))

    def writable_by(self, user):
        """Staff of the issuing region (or above it) write a programme."""
        path = staff_region_path(user) if user.is_authenticated and user.is_active else None
        if path is None:
            return self.none()
        return self.filter(region__path__startswith=path)


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[:i]) for i in range(1, len(parts))]


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    instrument = models.CharField(_("instrument"), max_length=24, choices=Instrument.choices)
    issuing_body = models.CharField(_("issuing body"), max_length=120)
    # The region the programme covers (its budget's scope): a city programme covers its districts.
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("subsidy programme")
        verbose_name_plural = _("subsidy programmes")

    def __str__(self):
        return self.name

    def current_version(self):
        return self.versions.filter(status=ProgrammeVersion.Status.PUBLISHED).order_by("-number").first()


class ProgrammeVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")
        CLOSED = "closed", _("Closed")

    programme = models.ForeignKey(Programme, models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    document_number = models.CharField(_("policy document number (文号)"), max_length=80)
    document_title = models.CharField(_("policy document title"), max_length=200)
    document_url = models.URLField(_("policy document link"), blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"))
    applications_open = models.DateField(_("applications open"))
    applications_close = models.DateField(_("applications close"))
    # The instrument's parameters ({"rate": {"value": "0.20", "source": "…", "confidence": "P"}, …})
    # and the eligibility conditions ([{"kind": "min_level", …}, …]); shapes in subsidies/rules.py.
    params = models.JSONField(_("parameters"), default=dict)
    conditions = models.JSONField(_("eligibility conditions"), default=list)
    budget_total = models.DecimalField(_("total budget (yuan)"), max_digits=14, decimal_places=2)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["programme", "-number"]
        verbose_name = _("programme version")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="programme_version_number_unique"),
            models.UniqueConstraint(fields=["programme"], condition=Q(status="published"),
                                    name="programme_one_published_version"),
            models.CheckConstraint(condition=Q(effective_to__gte=F("effective_from")),
                                   name="programme_version_effective_dates"),
            models.CheckConstraint(condition=Q(applications_close__gte=F("applications_open")),
                                   name="programme_version_application_dates"),
            models.CheckConstraint(condition=Q(budget_total__gte=0), name="programme_version_budget_not_negative"),
        ]

    def __str__(self):
        return f"{self.programme.name} v{self.number}"


class BudgetLine(models.Model):
    """Money a programme version may spend: its whole budget (``region`` empty) or one district's
    share. ``reserved`` grows when a decision fixes an amount and ``disbursed`` when a batch pays it;
    the constraints hold the line even against a write that skipped the service's guard."""

    version = models.ForeignKey(ProgrammeVersion, models.CASCADE, related_name="budget_lines")
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("district"))
    allocated = models.DecimalField(_("allocated (yuan)"), max_digits=14, decimal_places=2)
    reserved = models.DecimalField(_("reserved (yuan)"), max_digits=14, decimal_places=2, default=0)
    disbursed = models.DecimalField(_("disbursed (yuan)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("budget line")
        constraints = [
            models.UniqueConstraint(fields=["version", "region"], name="budget_line_unique_region"),
            models.UniqueConstraint(fields=["version"], condition=Q(region__isnull=True),
                                    name="budget_line_one_total"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="budget_line_allocated_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0) & Q(reserved__lte=F("allocated")),
                                   name="budget_line_reserved_within_allocated"),
            models.CheckConstraint(condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("reserved")),
                                   name="budget_line_disbursed_within_reserved"),
        ]

    def __str__(self):
        return f"{self.version} · {self.region or _('total')}"
