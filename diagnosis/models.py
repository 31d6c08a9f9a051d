"""Assessments: a pinned spec version, the working answers, the frozen submitted snapshot and its
score, plus re-based scores under other spec versions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Region


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way to list assessments: an enterprise's members see its assessments, bureau
        staff those of enterprises in their region (drafts excluded: they are the enterprise's own
        until submitted)."""
        from portal.access import staff_region_path

        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(enterprise__region__path__startswith=path).exclude(status=Assessment.Status.DRAFT)
        if user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user).distinct()


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Approved")

    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="assessments")
    # The spec is pinned at start: later versions never change how this assessment is scored.
    spec_code = models.CharField(_("standard"), max_length=64)
    spec_version = models.CharField(_("standard version"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    year = models.PositiveSmallIntegerField(_("assessment year"))
    # Snapshot of the enterprise's district at submission, so regional figures do not move when an
    # enterprise relocates later.
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", null=True, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)  # industry / type / scale
    # Frozen at submission (security.md R20): what was scored, independent of later edits.
    submitted_answers = models.JSONField(null=True, blank=True, editable=False)
    result = models.JSONField(null=True, blank=True, editable=False)  # ScoreResult.to_dict()
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    level = models.CharField(max_length=32, blank=True)
    stage = models.CharField(max_length=32, blank=True)
    provisional = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(fields=["spec_code", "spec_version", "status"]),
            models.Index(fields=["region", "year", "spec_code", "spec_version"]),
        ]
        constraints = [
            # A scored assessment always carries its snapshot and total together.
            models.CheckConstraint(
                condition=Q(result__isnull=True, total__isnull=True)
                | Q(result__isnull=False, total__isnull=False, submitted_answers__isnull=False),
                name="diagnosis_assessment_result_with_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.spec_key}"

    @property
    def spec_key(self) -> str:
        return f"{self.spec_code}@{self.spec_version}"

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class Answer(models.Model):
    """One working answer. `version` increases on every save so two tabs or two colleagues can't
    overwrite each other silently (optimistic concurrency)."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="answers")
    item_code = models.CharField(max_length=64)
    value = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "item_code"], name="diagnosis_answer_unique")]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.item_code}"


class RebasedResult(models.Model):
    """The score of a stored assessment's frozen answers under another spec version, through the
    item mapping the newer spec declares. The assessment's own result is never replaced."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="rebased_results")
    spec_code = models.CharField(max_length=64)
    spec_version = models.CharField(max_length=16)
    result = models.JSONField()
    total = models.DecimalField(max_digits=7, decimal_places=2)
    level = models.CharField(max_length=32, blank=True)
    unmapped = models.JSONField(default=list)  # old item codes with no counterpart
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "spec_code", "spec_version"],
                                    name="diagnosis_rebased_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} → {self.spec_key}"

    @property
    def spec_key(self) -> str:
        return f"{self.spec_code}@{self.spec_version}"
