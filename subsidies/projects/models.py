"""Transformation projects (项目备案) and their acceptance (验收): the enterprise files what it will
do, with which provider, for how much and which dimensions of a standard it targets; acceptance
needs evidence and a T1 re-assessment on the same standard submitted after the filing, and the
uplift in the targeted dimensions per ¥10 k of subsidy is the "points per yuan" figure
(subsidies/projects/outcomes.py)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Provider, Region
from portal.roles import WRITE_ROLES, StaffRole, staff_region_path


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(Q(enterprise__memberships__user=user) | Q(provider__memberships__user=user)).distinct()

    def writable_by(self, user):
        """The enterprise's owners and editors (filing, asking for acceptance); staff of the region
        (accepting, returning)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.staff_role in (StaffRole.DISTRICT, StaffRole.CITY):
            return self.visible_to(user)
        if user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user,
                           enterprise__memberships__role__in=WRITE_ROLES).distinct()


class Project(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("Filed")
        ACCEPTANCE_REQUESTED = "acceptance_requested", _("Acceptance requested")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for completion")

    filing_number = models.CharField(_("filing number"), max_length=24, unique=True)
    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="projects", verbose_name=_("enterprise"))
    provider = models.ForeignKey(Provider, models.PROTECT, null=True, blank=True, related_name="projects",
                                 verbose_name=_("service provider"))
    # The subsidy that funds it (optional: a project can be filed before applying).
    application = models.ForeignKey("subsidies.Application", models.SET_NULL, null=True, blank=True,
                                    related_name="projects", verbose_name=_("subsidy application"))
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("district"))
    title = models.CharField(_("project title"), max_length=200)
    solution = models.CharField(_("solution"), max_length=200)
    scope = models.TextField(_("scope"), max_length=4000)
    planned_investment = models.DecimalField(_("planned investment (yuan)"), max_digits=14, decimal_places=2)
    # The standard and the dimensions the project sets out to raise; T0 is the baseline diagnosis.
    spec_code = models.CharField(_("standard"), max_length=64)
    target_dimensions = models.JSONField(_("targeted dimensions"), default=list)
    baseline = models.ForeignKey("diagnosis.Assessment", models.PROTECT, related_name="+",
                                 verbose_name=_("baseline diagnosis (T0)"))
    follow_up = models.ForeignKey("diagnosis.Assessment", models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("re-assessment (T1)"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.FILED)
    state_version = models.PositiveIntegerField(default=0)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    acceptance_requested_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "pk"]
        verbose_name = _("transformation project")
        verbose_name_plural = _("transformation projects")
        constraints = [
            models.CheckConstraint(condition=Q(planned_investment__gt=0), name="subsidies_project_investment_positive"),
            models.CheckConstraint(condition=~Q(status="accepted") | Q(follow_up__isnull=False),
                                   name="subsidies_project_accepted_has_t1"),
        ]
        indexes = [models.Index(fields=["status", "region"])]

    def __str__(self):
        return f"{self.filing_number} · {self.title}"


def project_file_upload_to(instance, filename):
    return f"projects/{instance.project_id}/{filename}"


class ProjectFile(models.Model):
    """Acceptance evidence (delivery report, system screenshots, invoices…)."""

    project = models.ForeignKey(Project, models.CASCADE, related_name="files")
    file = models.FileField(upload_to=project_file_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "uploaded_at", "pk"]
        verbose_name = _("acceptance evidence")
        verbose_name_plural = _("acceptance evidence")

    def __str__(self):
        return self.original_name
