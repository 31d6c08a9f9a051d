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

from portal.models import Enterprise, Provider, Region
from portal.roles import WRITE_ROLES, StaffRole, staff_region_path


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


# ─── Applications: from draft to disbursement (the review chain Shenzhen uses) ────────────────


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members of the applying enterprise; bureau staff of the region subtree the application
        was filed in; experts only the applications assigned to them. Everyone else: nothing."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(region__path__startswith=path)
        if user.staff_role == StaffRole.EXPERT:
            return self.filter(expert_reviews__expert=user).distinct()
        if user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user).distinct()

    def writable_by(self, user):
        """The applying enterprise's owners and editors (drafts, returned applications)."""
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user,
                           enterprise__memberships__role__in=WRITE_ROLES).distinct()

    def in_notice(self):
        return self.filter(status=Application.Status.IN_NOTICE)


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        FORM_CHECKED = "form_checked", _("Form check passed")
        EXPERT_REVIEWED = "expert_reviewed", _("Expert review done")
        AUDITED = "audited", _("Special audit done")
        IN_NOTICE = "in_notice", _("In public notice")
        DECIDED = "decided", _("Approved")
        DISBURSED = "disbursed", _("Disbursed")
        EVALUATED = "evaluated", _("Performance evaluated")
        RETURNED = "returned", _("Returned for completion")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    version = models.ForeignKey(ProgrammeVersion, models.PROTECT, related_name="applications",
                                verbose_name=_("programme version"))
    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="subsidy_applications",
                                   verbose_name=_("enterprise"))
    # The pool provider the project uses (vouchers are redeemed with pool providers).
    provider = models.ForeignKey(Provider, models.PROTECT, null=True, blank=True,
                                 related_name="subsidy_applications", verbose_name=_("service provider"))
    assessment = models.ForeignKey("diagnosis.Assessment", models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("diagnosis"))
    # The enterprise's district when filed: picks the budget line and the staff who handle it.
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("district"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Bumped on every transition: an action sent with an older number is stale (409).
    state_version = models.PositiveIntegerField(default=0)
    project_title = models.CharField(_("project title"), max_length=200)
    description = models.TextField(_("project description"), max_length=4000, blank=True)
    declared_investment = models.DecimalField(_("declared investment (yuan)"), max_digits=14, decimal_places=2,
                                              null=True, blank=True)
    verified_investment = models.DecimalField(_("verified investment (yuan)"), max_digits=14, decimal_places=2,
                                              null=True, blank=True)
    # The instrument's inputs (price, interest, level…) as the enterprise declared them.
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    estimated_amount = models.DecimalField(_("estimated amount (yuan)"), max_digits=14, decimal_places=2,
                                           null=True, blank=True)
    decided_amount = models.DecimalField(_("decided amount (yuan)"), max_digits=14, decimal_places=2,
                                         null=True, blank=True)
    budget_line = models.ForeignKey(BudgetLine, models.PROTECT, null=True, blank=True, related_name="applications",
                                    verbose_name=_("budget line"))
    declarations = models.JSONField(_("declarations"), default=dict, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The last stage's note (form check, return reason, rejection) shown to the enterprise.
    stage_note = models.TextField(_("note"), max_length=2000, blank=True)
    expert_score = models.DecimalField(_("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)
    audit_note = models.TextField(_("audit note"), max_length=2000, blank=True)
    notice_starts = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends = models.DateField(_("public notice until"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    evaluation_score = models.DecimalField(_("performance score"), max_digits=5, decimal_places=2, null=True,
                                           blank=True)
    evaluation_note = models.TextField(_("performance evaluation"), max_length=2000, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("subsidy application")
        verbose_name_plural = _("subsidy applications")
        constraints = [
            models.CheckConstraint(condition=Q(declared_investment__isnull=True) | Q(declared_investment__gte=0),
                                   name="subsidy_application_declared_not_negative"),
            models.CheckConstraint(condition=Q(verified_investment__isnull=True) | Q(verified_investment__gte=0),
                                   name="subsidy_application_verified_not_negative"),
            models.CheckConstraint(condition=Q(decided_amount__isnull=True) | Q(decided_amount__gte=0),
                                   name="subsidy_application_decided_not_negative"),
            # A decided amount is always reserved on a budget line.
            models.CheckConstraint(condition=Q(decided_amount__isnull=True) | Q(budget_line__isnull=False),
                                   name="subsidy_application_decided_has_line"),
        ]
        indexes = [models.Index(fields=["status", "region"]), models.Index(fields=["version", "status"])]

    def __str__(self):
        return f"{self.reference} · {self.project_title}"


def application_file_upload_to(instance, filename):
    return f"subsidies/{instance.application_id}/{filename}"


class ApplicationFile(models.Model):
    """An attachment (contract, invoice, payment proof…), stored outside the web root and served
    through a permission-checked view via portal/files.py."""

    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        INVOICE = "invoice", _("Invoice")
        PAYMENT = "payment", _("Payment proof")
        REPORT = "report", _("Project report")
        OTHER = "other", _("Other")

    application = models.ForeignKey(Application, models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=application_file_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("application attachment")
        verbose_name_plural = _("application attachments")

    def __str__(self):
        return self.original_name


class ExpertReview(models.Model):
    """One assigned expert's score sheet for one application, with the conflict declaration."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="expert_reviews")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    conflict_declared = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_note = models.TextField(_("conflict of interest"), max_length=2000, blank=True)
    necessity = models.DecimalField(_("necessity"), max_digits=5, decimal_places=2, null=True, blank=True)
    feasibility = models.DecimalField(_("feasibility"), max_digits=5, decimal_places=2, null=True, blank=True)
    investment = models.DecimalField(_("investment soundness"), max_digits=5, decimal_places=2, null=True,
                                     blank=True)
    benefit = models.DecimalField(_("expected benefit"), max_digits=5, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=4000, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "assigned_at", "pk"]
        verbose_name = _("expert score sheet")
        verbose_name_plural = _("expert score sheets")
        constraints = [models.UniqueConstraint(fields=["application", "expert"],
                                               name="subsidies_expert_review_unique")]

    def __str__(self):
        return f"{self.application} · {self.expert}"


class Objection(models.Model):
    """An objection filed during an application's public notice (公示), by a signed-in user or
    anonymously with a contact."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    application = models.ForeignKey(Application, models.CASCADE, related_name="objections")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    filed_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("objection"), max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = _("subsidy objection")
        verbose_name_plural = _("subsidy objections")
        constraints = [models.CheckConstraint(condition=Q(filed_by__isnull=False) | ~Q(contact=""),
                                              name="subsidies_objection_has_contact")]

    def __str__(self):
        return f"{self.application} · {self.status}"


class DisbursementBatch(models.Model):
    """Decided applications sent together to the finance department. Paying a batch is idempotent:
    only a batch still ``sent`` is paid, and only its payments still unpaid move money."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        SENT = "sent", _("Sent to finance")
        PAID = "paid", _("Paid")

    reference = models.CharField(_("reference"), max_length=24, unique=True)
    version = models.ForeignKey(ProgrammeVersion, models.PROTECT, related_name="disbursement_batches")
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(_("total (yuan)"), max_digits=14, decimal_places=2, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("disbursement batch")
        verbose_name_plural = _("disbursement batches")

    def __str__(self):
        return self.reference


class Disbursement(models.Model):
    """One application's payment within a batch; an application is paid at most once."""

    batch = models.ForeignKey(DisbursementBatch, models.PROTECT, related_name="payments")
    application = models.OneToOneField(Application, models.PROTECT, related_name="disbursement")
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="subsidies_disbursement_positive")]

    def __str__(self):
        return f"{self.batch} · {self.application}"


class ApplicationEvent(models.Model):
    """The application's timeline as the enterprise sees it: one row per transition."""

    application = models.ForeignKey(Application, models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    note = models.TextField(max_length=2000, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self):
        return f"{self.application} {self.from_status}→{self.to_status}"
