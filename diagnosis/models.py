"""Assessments: a pinned spec version, the working answers, the frozen submitted snapshot and its
score, plus re-based scores under other spec versions."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Membership, Region
from portal.roles import WRITE_ROLES, StaffRole, staff_region_path


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way to list assessments: an enterprise's members see its assessments, bureau
        staff those of enterprises in their region (drafts excluded: they are the enterprise's own
        until submitted)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            # The district snapshot taken at submission decides, as in the regional statistics.
            return self.filter(region__path__startswith=path).exclude(status=Assessment.Status.DRAFT)
        if user.staff_role == StaffRole.EXPERT:
            # Experts see exactly what is assigned to them, nothing else.
            return self.filter(expert_assignments__expert=user).exclude(status=Assessment.Status.DRAFT).distinct()
        if user.staff_role:
            return self.none()
        # EXISTS rather than a join and DISTINCT: DISTINCT compares every column of the row, the
        # stored answers and results included, on every page of one assessment.
        return self.filter(Exists(Membership.objects.filter(enterprise=OuterRef("enterprise"), user=user)))

    def with_enterprise(self):
        """What the pages of one assessment read beside it (its enterprise and district)."""
        return self.select_related("enterprise__region")

    def writable_by(self, user):
        """Owners and editors of the enterprise; whether the assessment is still editable is the
        services' business (they answer with a message, not a bare 403)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(Exists(Membership.objects.filter(enterprise=OuterRef("enterprise"), user=user,
                                                            role__in=WRITE_ROLES)))


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
    # Frozen at submission (docs/security.md R20): what was scored, independent of later edits.
    submitted_answers = models.JSONField(null=True, blank=True, editable=False)
    result = models.JSONField(null=True, blank=True, editable=False)  # ScoreResult.to_dict()
    total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    level = models.CharField(max_length=32, blank=True)
    stage = models.CharField(max_length=32, blank=True)
    provisional = models.BooleanField(default=False)
    # The bureau's view: the score after staff/expert corrections, kept beside the self-declared one.
    verified_result = models.JSONField(null=True, blank=True, editable=False)
    verified_total = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    verified_level = models.CharField(max_length=32, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("review comment"), max_length=4000, blank=True)
    # Bumped by every review action: a review form posted with an older value is stale.
    review_version = models.PositiveIntegerField(default=0)
    # The enterprise's weights for its roadmap: cost, quality, delivery, energy, safety → 0…5.
    priorities = models.JSONField(_("priorities"), default=dict, blank=True)
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


def evidence_upload_to(instance, filename: str) -> str:
    # Random name under a per-assessment folder; the user's file name is kept only as metadata.
    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file backing an answer (PDF, image, Office document), stored outside the web root and
    served only through a permission-checked view."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="evidence")
    item_code = models.CharField(max_length=64)
    file = models.FileField(upload_to=evidence_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [models.Index(fields=["assessment", "item_code"])]

    def __str__(self) -> str:
        return self.original_name


class NewMode(models.TextChoices):
    """The six industrial-internet new modes the demand map is drawn over."""

    DIGITAL_MANAGEMENT = "digital_management", _("Digital management")
    SMART_MANUFACTURING = "smart_manufacturing", _("Smart manufacturing")
    NETWORKED_COLLABORATION = "networked_collaboration", _("Networked collaboration")
    PERSONALISED_CUSTOMISATION = "personalised_customisation", _("Personalised customisation")
    SERVICE_EXTENSION = "service_extension", _("Service extension")
    PLATFORM_DESIGN = "platform_design", _("Platform-based design")


class Need(models.Model):
    """A transformation need the enterprise states after its diagnosis, in one of the six new-mode
    categories, linked to the weak items and scenarios it addresses. Feeds the district demand map
    and provider matching."""

    class Urgency(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="needs")
    category = models.CharField(_("category"), max_length=32, choices=NewMode.choices)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    item_codes = models.JSONField(_("related items"), default=list, blank=True)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.MEDIUM)
    budget_wan = models.DecimalField(_("planned budget (10k yuan)"), max_digits=10, decimal_places=2, null=True,
                                     blank=True, validators=[MinValueValidator(Decimal("0"))])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = _("transformation need")
        verbose_name_plural = _("transformation needs")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "category"], name="diagnosis_need_one_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.category}"


class ItemCorrection(models.Model):
    """A reviewer's correction of one submitted answer, with the reason. The self-declared answer
    stays in Assessment.submitted_answers; verified answers = submitted answers + corrections."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="corrections")
    item_code = models.CharField(max_length=64)
    declared_value = models.JSONField(null=True)
    verified_value = models.JSONField()
    reason = models.TextField(_("reason"), max_length=2000)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_code"], name="diagnosis_correction_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.item_code}"


class ExpertAssignment(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Opinion given")

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="expert_assignments")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="expert_assignments",
                               limit_choices_to={"staff_role": StaffRole.EXPERT})
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("note to the expert"), max_length=2000, blank=True)
    opinion = models.TextField(_("expert opinion"), max_length=4000, blank=True)

    class Meta:
        ordering = ["-assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "expert"], name="diagnosis_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} → {self.expert}"


def site_visit_upload_to(instance, filename: str) -> str:
    return f"visits/{instance.assessment_id}/{uuid.uuid4().hex}"


class SiteVisit(models.Model):
    """现场诊断: an on-site visit by staff or an expert; it appears in the report."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="site_visits")
    visit_date = models.DateField(_("visit date"))
    participants = models.CharField(_("participants"), max_length=500)
    findings = models.TextField(_("findings"), max_length=8000)
    notes_file = models.FileField(_("visit notes"), upload_to=site_visit_upload_to, blank=True, max_length=200)
    notes_name = models.CharField(max_length=200, blank=True)
    notes_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visit_date", "pk"]
        verbose_name = _("on-site diagnosis")
        verbose_name_plural = _("on-site diagnoses")

    def __str__(self) -> str:
        return f"{self.assessment_id} @ {self.visit_date}"


def report_upload_to(instance, filename: str) -> str:
    # Deterministic key per report row: a re-render overwrites its own file, never makes a second.
    return f"reports/{instance.assessment_id}/{instance.pk}-{instance.input_hash[:16]}.pdf"


class Report(models.Model):
    """The diagnosis report PDF of an assessment, one row per distinct input (answers, spec version,
    review state, language, template version). Built by a Celery worker claiming the row with a
    conditional UPDATE and a lease (docs/architecture.md, Background jobs)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Queued")
        RUNNING = "running", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    assessment = models.ForeignKey(Assessment, models.PROTECT, related_name="reports")
    input_hash = models.CharField(max_length=64)
    language = models.CharField(max_length=8, default="zh-hans")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    pdf = models.FileField(upload_to=report_upload_to, blank=True, max_length=200)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    # Printed in the PDF with a QR code; the public verification page looks the report up by it.
    verification_code = models.CharField(max_length=32, unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a message for this row was last handed to the broker; empty while none is (the publish
    # failed, or the row was queued again). The sweeper queues rows no message carries.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("diagnosis report")
        verbose_name_plural = _("diagnosis reports")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "input_hash"], name="diagnosis_report_one_per_input"),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} report {self.status}"


def regional_report_upload_to(instance, filename: str) -> str:
    # Deterministic key per row, as for the diagnosis report: a re-render overwrites its own file.
    return f"regional-reports/{instance.region_id}/{instance.pk}-{instance.input_hash[:16]}.pdf"


class RegionalReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau staff see the reports of regions in their subtree (a city officer: the city's and its
        districts'); nobody else sees any."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is None:
            return self.none()
        return self.filter(region__path__startswith=path)

    def writable_by(self, user):
        return self.visible_to(user)


class RegionalReport(models.Model):
    """The regional analysis report PDF (《XX区YYYY年重点企业数字化转型诊断分析报告》, issue #12) of one
    region, year, standard and language, one row per distinct input (the regional data as it stood,
    the template version). Built like the diagnosis report: a worker claims the row with a
    conditional UPDATE and a lease (docs/architecture.md, Background jobs)."""

    Status = Report.Status

    region = models.ForeignKey(Region, models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    spec_key = models.CharField(max_length=80)
    language = models.CharField(max_length=8, default="zh-hans")
    input_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Report.Status.choices, default=Report.Status.PENDING)
    pdf = models.FileField(upload_to=regional_report_upload_to, blank=True, max_length=200)
    sha256 = models.CharField(max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField(null=True, blank=True)
    verification_code = models.CharField(max_length=32, unique=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The headline figures as printed (mean score, enterprises): the public verification page states them.
    facts = models.JSONField(default=dict, blank=True)

    objects = RegionalReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("regional analysis report")
        verbose_name_plural = _("regional analysis reports")
        constraints = [
            models.UniqueConstraint(fields=["region", "input_hash"], name="diagnosis_regional_report_one_per_input"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} regional report {self.status}"


# ─── Campaigns (年度诊断工作, issue #12) ──────────────────────────────────────────────────────────


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau staff see the campaigns of their region's subtree (a city officer sees the city's and
        its districts'); nobody else sees any."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is None:
            return self.none()
        return self.filter(region__path__startswith=path)

    def writable_by(self, user):
        return self.visible_to(user)


class Campaign(models.Model):
    """A year's diagnosis campaign of a district or city bureau: the standards its targets assess
    against, the deadline and the quota (a share of the targets or an absolute number of firms)."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    title = models.CharField(_("title"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    spec_codes = models.JSONField(_("standards"), default=list)
    deadline = models.DateField(_("deadline"))
    quota_percent = models.DecimalField(_("quota (% of targets)"), max_digits=5, decimal_places=2, null=True,
                                        blank=True)
    quota_count = models.PositiveIntegerField(_("quota (enterprises)"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("diagnosis campaign")
        verbose_name_plural = _("diagnosis campaigns")
        constraints = [
            models.CheckConstraint(
                condition=(Q(quota_percent__isnull=False, quota_count__isnull=True)
                           | Q(quota_percent__isnull=True, quota_count__isnull=False)),
                name="diagnosis_campaign_one_quota"),
        ]

    def __str__(self) -> str:
        return self.title

    def quota_for(self, targets: int, total_targets: int | None = None) -> int:
        """The quota of a group of ``targets`` firms: the share of them, or the absolute quota
        apportioned by the group's share of all ``total_targets`` (rounded up)."""
        if self.quota_percent is not None:
            return -(-int(targets * self.quota_percent * 100) // 10000)
        if total_targets is None or total_targets == targets:
            return self.quota_count or 0
        if not total_targets:
            return 0
        return -(-(self.quota_count or 0) * targets // total_targets)


class CampaignTarget(models.Model):
    """One 规上 firm on a campaign's list, imported from the bureau's spreadsheet. ``bureau_created``
    marks a record the import created for a firm not yet registered (unverified, claimable)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="targets")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="campaign_targets")
    town = models.CharField(_("town / street"), max_length=50, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    bureau_created = models.BooleanField(default=False)
    invited_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "enterprise"], name="diagnosis_target_unique")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.enterprise_id}"


class CampaignReminder(models.Model):
    """The reminder a target got on ``day``: the unique row makes the beat task idempotent."""

    target = models.ForeignKey(CampaignTarget, models.CASCADE, related_name="reminders")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "day"], name="diagnosis_reminder_once_a_day")]

    def __str__(self) -> str:
        return f"{self.target_id} {self.day}"


class CampaignEmail(models.Model):
    """One campaign e-mail (invitation or reminder with the claim link) to a target not yet registered:
    its tracking row. Created in the transaction that decides the send, claimed (pending → sending)
    before the send so a message delivered twice sends once, and swept back to the queue when a broker
    outage or a dead worker lost it (diagnosis/campaigns/services.py, portal/jobs.py)."""

    class Kind(models.TextChoices):
        INVITE = "invite", _("Invitation")
        REMIND = "remind", _("Reminder")

    class Status(models.TextChoices):
        PENDING = "pending", _("E-mail pending")
        SENDING = "sending", _("E-mail being sent")
        SENT = "sent", _("E-mail sent")
        SKIPPED = "skipped", _("Not sent: the enterprise registered meanwhile")
        FAILED = "failed", _("E-mail failed")

    target = models.ForeignKey(CampaignTarget, models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    day = models.DateField()
    address = models.EmailField(_("e-mail address"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["target", "kind", "day"], name="diagnosis_campaign_email_once")]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.target_id} {self.kind} {self.day} {self.status}"


class RegionalCell(models.Model):
    """One roll-up cell of the regional dashboards (issue #12, docs/scaling.md): the counted assessments
    (submitted/approved) of one standard version, year and region snapshot that fall under one key of one
    grouping (``kind``): their number, the sum of their standing totals (or, for ``dimension``, of the
    dimension's score rates) in hundredths, and the distinct enterprises among them. Kept in step with
    every save of an assessment (diagnosis.regional.rollup) and rebuilt by ``manage.py regional_rebuild``."""

    spec_code = models.CharField(max_length=64)
    spec_version = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    region = models.ForeignKey(Region, models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)
    key = models.CharField(max_length=64, blank=True)
    n = models.BigIntegerField(default=0)
    total_cents = models.BigIntegerField(default=0)
    firms = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["spec_code", "spec_version", "year", "region", "kind", "key"],
                                               name="diagnosis_regional_cell_unique")]
        indexes = [models.Index(fields=["spec_code", "spec_version", "kind", "year"])]

    def __str__(self) -> str:
        return f"{self.spec_code}@{self.spec_version} {self.year} {self.region_id} {self.kind}={self.key}"
