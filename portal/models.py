"""Identity, regions, organisations and the audit trail."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.reference import CLUSTERS, INDUSTRY_DIVISIONS, INDUSTRY_SECTIONS, section_of_division
from portal.roles import WRITE_ROLES, MemberRole, StaffRole, staff_region_path
from portal.uscc import uscc_problem

USCC_MESSAGES = {
    "length": _("A unified social credit code has exactly 18 characters."),
    "charset": _("A unified social credit code uses only digits and the capital letters "
                 "ABCDEFGHJKLMNPQRTUWXY (no I, O, S, V or Z)."),
    "region": _("Characters 3–8 of a unified social credit code are the region code and must be digits."),
    "check": _("The check character (the 18th) does not match: please re-check the code."),
}


def validate_uscc(value: str) -> None:
    problem = uscc_problem(value)
    if problem:
        raise ValidationError(USCC_MESSAGES[problem], code=f"uscc_{problem}")


# A mainland mobile number (optionally +86), or a landline with its area code and an optional extension.
PHONE_RE = r"^(?:(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:(?:-|转)\d{1,6})?)\Z"
validate_phone = RegexValidator(
    PHONE_RE, _("Enter an 11-digit mainland mobile number (such as 13800138000) or a landline with its area "
                "code (such as 0755-88886666)."), code="phone")


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        PARK = "park", _("Park")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    # Materialised path of codes ("440000/440300/440309/"): scoping by subtree is one indexed prefix.
    path = models.CharField(max_length=128, unique=True, editable=False)
    official = models.BooleanField(_("official code"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent else "") + f"{self.code}/"
        super().save(*args, **kwargs)

    def ancestor_at(self, level: str) -> "Region | None":
        node = self
        while node is not None and node.level != level:
            node = node.parent
        return node


class User(AbstractUser):
    staff_role = models.CharField(_("staff role"), max_length=32, choices=StaffRole.choices, blank=True,
                                  default=StaffRole.NONE)
    # The jurisdiction of bureau staff: a district for district staff, a city for city staff.
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="staff",
                               verbose_name=_("jurisdiction"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Bureau staff always have a jurisdiction; nobody else carries one.
            models.CheckConstraint(
                condition=(Q(staff_role__in=["district_staff", "city_staff", "province_staff"], region__isnull=False)
                           | (~Q(staff_role__in=["district_staff", "city_staff", "province_staff"]) & Q(region__isnull=True))),
                name="portal_user_region_matches_role",
            ),
        ]

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class OrgStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class OrgQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only way to list enterprises or providers: members see their own organisations,
        district staff their district, city staff every district of their city. Experts and the
        three administrators see none (experts get assessments assigned to them, not organisations)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(memberships__user=user).distinct()

    def writable_by(self, user):
        """Organisation data is written by its owners and editors; bureau staff act through
        verification, never by editing."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(memberships__user=user, memberships__role__in=WRITE_ROLES).distinct()


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=100)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                            validators=[validate_uscc])
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    status = models.CharField(_("status"), max_length=16, choices=OrgStatus.choices, default=OrgStatus.PENDING)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == OrgStatus.VERIFIED


class Enterprise(Organisation):
    class RevenueBand(models.TextChoices):
        # GB 工信部联企业〔2011〕300号 industrial size bands (营业收入).
        UNDER_3M = "lt3m", _("Under ¥3 million")
        FROM_3M = "3m_20m", _("¥3–20 million")
        FROM_20M = "20m_400m", _("¥20–400 million")
        OVER_400M = "gte400m", _("¥400 million and above")

    SECTION_CHOICES = [(k, v[0]) for k, v in INDUSTRY_SECTIONS.items()]
    DIVISION_CHOICES = sorted(INDUSTRY_DIVISIONS.items())
    CLUSTER_CHOICES = [(code, name) for code, name, _kind in CLUSTERS]

    industry_section = models.CharField(_("industry section (GB/T 4754-2017)"), max_length=1,
                                        choices=SECTION_CHOICES)
    industry_division = models.CharField(_("industry division (GB/T 4754-2017)"), max_length=2,
                                         choices=DIVISION_CHOICES, blank=True)
    class ProductionType(models.TextChoices):
        DISCRETE = "discrete", _("Discrete manufacturing")
        PROCESS = "process", _("Process manufacturing")

    production_type = models.CharField(_("production type"), max_length=16, choices=ProductionType.choices,
                                       default=ProductionType.DISCRETE)
    above_scale = models.BooleanField(_("above designated size (规上)"), default=False)
    employees = models.PositiveIntegerField(_("employees"), validators=[MaxValueValidator(2_000_000)])
    revenue_band = models.CharField(_("revenue band"), max_length=16, choices=RevenueBand.choices)
    cluster = models.CharField(_("strategic cluster"), max_length=32, choices=CLUSTER_CHOICES, blank=True)
    park = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                             limit_choices_to={"level": Region.Level.PARK}, verbose_name=_("park"))
    # Indexed: the chain pages (一链一策) list a chain's firms within a region.
    chain = models.CharField(_("industry chain"), max_length=50, blank=True, db_index=True)
    established_year = models.PositiveSmallIntegerField(
        _("year established"), null=True, blank=True, validators=[MinValueValidator(1800), MaxValueValidator(2100)])

    class Meta(Organisation.Meta):
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["industry_division"])]

    def assessment_context(self) -> dict:
        """The facts the maturity specs' conditions look at (industry, production type, scale)."""
        # Plain str values: a fresh instance still holds TextChoices members, which the engine's
        # strict type check would refuse.
        return {
            "industry_section": str(self.industry_section),
            "industry_division": str(self.industry_division),
            "production_type": str(self.production_type),
            "above_scale": bool(self.above_scale),
            "revenue_band": str(self.revenue_band),
        }

    def clean(self):
        super().clean()
        errors = {}
        if self.industry_division and section_of_division(self.industry_division) != self.industry_section:
            errors["industry_division"] = _("The industry division does not belong to the chosen section.")
        if self.region_id and self.region.level not in (Region.Level.DISTRICT, Region.Level.PARK):
            errors["region"] = _("Choose the district (or park) where the enterprise is registered.")
        if self.park_id and self.region_id and not self.park.path.startswith(self.region.path):
            errors["park"] = _("The park must lie within the enterprise's district.")
        if self.established_year and self.established_year > timezone.localdate().year:
            errors["established_year"] = _("The year established cannot be later than this year.")
        if errors:
            raise ValidationError(errors)


class Provider(Organisation):
    description = models.TextField(_("description"), max_length=2000, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta(Organisation.Meta):
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def clean(self):
        super().clean()
        if self.region_id and self.region.level == Region.Level.PROVINCE:
            raise ValidationError({"region": _("Choose a city or district.")})


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, null=True, blank=True, related_name="memberships")
    provider = models.ForeignKey(Provider, models.CASCADE, null=True, blank=True, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=MemberRole.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, provider__isnull=True)
                | Q(enterprise__isnull=True, provider__isnull=False),
                name="portal_membership_one_org",
            ),
            models.UniqueConstraint(fields=["user", "enterprise"], name="portal_membership_unique_enterprise",
                                    condition=Q(enterprise__isnull=False)),
            models.UniqueConstraint(fields=["user", "provider"], name="portal_membership_unique_provider",
                                    condition=Q(provider__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} ({self.role})"

    @property
    def organisation(self):
        return self.enterprise or self.provider

    @property
    def can_write(self) -> bool:
        return self.role in (MemberRole.OWNER, MemberRole.EDITOR)


class AuditEvent(models.Model):
    """Append-only audit trail (docs/security.md R21–R23). Rows chain by SHA-256 so tampering shows;
    on PostgreSQL a trigger refuses UPDATE/DELETE (migration 0002)."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # No FK constraint: the trail must outlive the accounts it mentions and never be rewritten.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.DO_NOTHING, null=True, blank=True,
                              related_name="+", db_constraint=False)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("audit events are append-only")

    def compute_hash(self) -> str:
        payload = json.dumps(
            [self.prev_hash, self.created_at.isoformat(), self.actor_id, self.actor_username, self.actor_role,
             self.action, self.object_type, self.object_id, self.outcome, self.ip, self.detail],
            ensure_ascii=False, sort_keys=True, default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class Notification(models.Model):
    """One message to one user: the in-app inbox, and an e-mail when the user has an address.
    The row is the e-mail's tracking row too (email_status), so a broker outage delays the mail
    without losing it (portal/notifications/services.py, portal/jobs.py)."""

    class EmailStatus(models.TextChoices):
        NONE = "none", _("No e-mail")
        PENDING = "pending", _("E-mail pending")
        SENDING = "sending", _("E-mail being sent")
        SENT = "sent", _("E-mail sent")
        FAILED = "failed", _("E-mail failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=48)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), max_length=2000, blank=True)
    # A path inside the portal ("/assessments/12/result/"), never an outside address.
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.NONE)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"]), models.Index(fields=["email_status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class ChangeRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau staff see the requests their jurisdiction decides (the receiving district for a
        move, the current one otherwise); members see their enterprise's requests; nobody else any."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(decide_region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user).distinct()

    def writable_by(self, user):
        """Deciding is the bureau's: staff of the deciding jurisdiction."""
        path = staff_region_path(user) if user.is_authenticated and user.is_active else None
        if path is None:
            return self.none()
        return self.filter(decide_region__path__startswith=path)

    def pending(self):
        return self.filter(status=EnterpriseChangeRequest.Status.PENDING)


class EnterpriseChangeRequest(models.Model):
    """A verified enterprise asks to change what places it in a bureau's books: its name, USCC,
    district or park. Nothing changes until the bureau decides: the receiving district for a move,
    the current district for a new name or code. The request keeps the full protected state
    before and after, so the decision applies exactly what was asked and the history reads alone."""

    PROTECTED_FIELDS = ("name", "uscc", "region", "park")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the bureau's decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="change_requests",
                                   verbose_name=_("enterprise"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # The jurisdiction whose staff decide (a district): see the class docstring.
    decide_region = models.ForeignKey(Region, models.PROTECT, related_name="+",
                                      verbose_name=_("deciding jurisdiction"))
    old_name = models.CharField(_("current name"), max_length=100)
    new_name = models.CharField(_("requested name"), max_length=100)
    old_uscc = models.CharField(_("current unified social credit code"), max_length=18)
    new_uscc = models.CharField(_("requested unified social credit code"), max_length=18,
                                validators=[validate_uscc])
    old_region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("current region"))
    new_region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("requested region"))
    old_park = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("current park"))
    new_park = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("requested park"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+",
                                     verbose_name=_("requested by"))
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)

    objects = ChangeRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("enterprise change request")
        verbose_name_plural = _("enterprise change requests")
        constraints = [
            # One open request per enterprise: a second one waits for the first decision.
            models.UniqueConstraint(fields=["enterprise"], condition=Q(status="pending"),
                                    name="portal_change_request_one_pending"),
            models.CheckConstraint(
                condition=(Q(status="pending", decided_at__isnull=True)
                           | (~Q(status="pending") & Q(decided_at__isnull=False))),
                name="portal_change_request_decided_when_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_name} · {self.get_status_display()}"

    def changed_fields(self) -> list[str]:
        """The protected fields this request changes, in PROTECTED_FIELDS order."""
        def value(prefix, field):
            return getattr(self, f"{prefix}_{field}" + ("_id" if field in ("region", "park") else ""))

        return [f for f in self.PROTECTED_FIELDS if value("old", f) != value("new", f)]

    def changes(self) -> list[tuple[Any, Any, Any]]:
        """(field label, old, new) for each protected field the request changes."""
        return [(Enterprise._meta.get_field(f).verbose_name, getattr(self, f"old_{f}"), getattr(self, f"new_{f}"))
                for f in self.changed_fields()]


class RecordHistory(models.Model):
    """One row per insert, update or delete of a tracked table, written by a PostgreSQL trigger
    (portal/history.py), so bulk updates and raw SQL are recorded too (docs/security.md R24). The
    actor comes from the request context the middleware sets; append-only like the audit trail."""

    table_name = models.CharField(max_length=64)
    row_pk = models.CharField(max_length=64)
    operation = models.CharField(max_length=1)  # I, U, D
    changed_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("record history")
        verbose_name_plural = _("record history")
        indexes = [models.Index(fields=["table_name", "row_pk", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.table_name} {self.row_pk} {self.operation} {self.changed_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("record history is append-only")
        super().save(*args, **kwargs)

    def changes(self) -> dict:
        """Column → (before, after) for an update; every column for an insert or delete."""
        old, new = self.old or {}, self.new or {}
        return {k: (old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


class ConsentRecord(models.Model):
    """Proof that a person read a versioned notice and agreed (PIPL Art. 14, 17; R27): who, which
    notice and version, when, from where; a withdrawal is recorded on the row, never by deleting it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=32)
    version = models.CharField(_("notice version"), max_length=16)
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        constraints = [models.UniqueConstraint(fields=["user", "purpose", "version"], condition=Q(withdrawn_at=None),
                                               name="portal_consent_one_active")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} v{self.version}"


class ErasureRequest(models.Model):
    """A person's request to delete their personal data (PIPL Art. 47; R28), handled by the nightly
    job by its deadline: personal fields anonymised or deleted per the classification registry, what
    the law keeps (audit trail, finance records) retained."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="erasure_requests")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_at = models.DateTimeField(_("due by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [models.UniqueConstraint(fields=["user"], condition=Q(status="pending"),
                                               name="portal_erasure_one_pending")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"
