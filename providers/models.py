"""The provider registry: versioned capability profiles, their published listing (flattened for
search, portraits and matching), qualification documents, case confirmations, and resource pools
with their applications and members.

A profile is a JSON document (shape and checks in `providers/profiles/document.py`, pure) kept
in immutable versions: the provider edits a draft, staff approve it, it becomes the published
version and the previous one is superseded but kept, so staff can diff any two. Publishing
re-projects the document into the `Listing*` tables in the same transaction; everything public
reads those tables, never a draft.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Enterprise, Provider, Region
from portal.roles import WRITE_ROLES, StaffRole, staff_region_path
from providers.taxonomy import (
    APP_CATEGORIES,
    CAPABILITY_AREAS,
    DEPLOYMENTS,
    PRICE_MODELS,
)


def _choices(terms):
    return [(t.code, t.title) for t in terms]


class ProviderScopedQuerySet(models.QuerySet):
    """Rows that belong to one provider (``provider`` field): its members see them, bureau staff
    those of providers registered in their region; experts and administrators none."""

    provider_field = "provider"

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(**{f"{self.provider_field}__region__path__startswith": path})
        if user.staff_role:
            return self.none()
        return self.filter(**{f"{self.provider_field}__memberships__user": user}).distinct()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(**{f"{self.provider_field}__memberships__user": user,
                              f"{self.provider_field}__memberships__role__in": WRITE_ROLES}).distinct()


# ─── Profiles ────────────────────────────────────────────────────────────────────────────────


class ProfileVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")
        REJECTED = "rejected", _("Not approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.DRAFT, Status.SUBMITTED)

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="profile_versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    document = models.JSONField(_("profile"), default=dict, blank=True)
    # The published version this draft started from: approving a draft whose base is no longer the
    # published one would silently drop what was published in between.
    base = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")
    # Optimistic lock for autosave: each save sends the number it read.
    edit_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+")
    change_reason = models.TextField(_("reason for the change"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "-number"]
        verbose_name = _("profile version")
        verbose_name_plural = _("profile versions")
        constraints = [
            models.UniqueConstraint(fields=["provider", "number"], name="providers_profile_number_unique"),
            # One version in the works and one published at a time, enforced by the database.
            models.UniqueConstraint(fields=["provider"], condition=Q(status__in=["draft", "submitted"]),
                                    name="providers_profile_one_open"),
            models.UniqueConstraint(fields=["provider"], condition=Q(status="published"),
                                    name="providers_profile_one_published"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.provider} v{self.number}"


def provider_document_upload_to(instance, filename):
    return f"providers/{instance.provider_id}/{filename}"


class ProviderDocument(models.Model):
    """A file a profile cites (a qualification certificate), stored outside the web root and served
    through a permission-checked view via portal/files.py."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=provider_document_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("provider document")
        verbose_name_plural = _("provider documents")

    def __str__(self) -> str:
        return self.original_name


class CaseConfirmation(models.Model):
    """A case in a profile that names an enterprise on the portal: that enterprise confirms (or
    declines) it, which makes it a verified case. Keyed by the case's stable key in the document,
    so the confirmation survives later versions of the profile."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting the client's confirmation")
        CONFIRMED = "confirmed", _("Confirmed by the client")
        DECLINED = "declined", _("Declined by the client")

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="case_confirmations")
    case_key = models.CharField(max_length=36)
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="case_confirmations")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ProviderScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "pk"]
        verbose_name = _("case confirmation")
        verbose_name_plural = _("case confirmations")
        constraints = [
            models.UniqueConstraint(fields=["provider", "case_key"], name="providers_case_confirmation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.case_key} ({self.status})"


# ─── The published listing (a projection of the published version) ─────────────────────────


class ListingQuerySet(models.QuerySet):
    def public(self):
        """Published listings are public by design (the directory is open to anonymous users)."""
        return self


class Listing(models.Model):
    provider = models.OneToOneField(Provider, models.CASCADE, related_name="listing")
    version = models.OneToOneField(ProfileVersion, models.PROTECT, related_name="listing")
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=128, db_index=True)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    registered_capital = models.DecimalField(_("registered capital (¥10k)"), max_digits=14, decimal_places=2,
                                             null=True, blank=True)
    founded_year = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    rd_staff = models.PositiveIntegerField(_("R&D staff"), null=True, blank=True)
    # Code sets stored as ",a,b," so one `contains` filter works the same on PostgreSQL and SQLite.
    new_tech = models.CharField(max_length=200, blank=True)
    service_regions = models.TextField(blank=True)
    # Name, summary, solution titles and app names: what the directory's keyword search looks in.
    search_text = models.TextField(blank=True)
    app_count = models.PositiveIntegerField(default=0)
    solution_count = models.PositiveIntegerField(default=0)
    verified_case_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField()

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("published profile")
        verbose_name_plural = _("published profiles")

    def __str__(self) -> str:
        return self.name


class ListingCapability(models.Model):
    listing = models.ForeignKey(Listing, models.CASCADE, related_name="capabilities")
    area = models.CharField(_("capability area"), max_length=32, choices=_choices(CAPABILITY_AREAS))
    level = models.PositiveSmallIntegerField(_("declared level"), validators=[MinValueValidator(1),
                                                                             MaxValueValidator(5)])
    cases = models.PositiveIntegerField(default=0)
    verified_cases = models.PositiveIntegerField(default=0)
    solutions = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["listing", "area"]
        constraints = [models.UniqueConstraint(fields=["listing", "area"], name="providers_listing_area_unique")]
        indexes = [models.Index(fields=["area", "level"])]

    def __str__(self) -> str:
        return f"{self.listing} · {self.area} L{self.level}"


class ListingIndustry(models.Model):
    listing = models.ForeignKey(Listing, models.CASCADE, related_name="industries")
    division = models.CharField(_("industry division"), max_length=2)
    clients = models.PositiveIntegerField(_("clients"), default=0)

    class Meta:
        ordering = ["listing", "division"]
        constraints = [models.UniqueConstraint(fields=["listing", "division"],
                                               name="providers_listing_industry_unique")]
        indexes = [models.Index(fields=["division"])]

    def __str__(self) -> str:
        return f"{self.listing} · {self.division}"


class ListingApp(models.Model):
    listing = models.ForeignKey(Listing, models.CASCADE, related_name="apps")
    key = models.CharField(max_length=36)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=32, choices=_choices(APP_CATEGORIES))
    deployment = models.CharField(_("deployment"), max_length=16, choices=_choices(DEPLOYMENTS))
    price_model = models.CharField(_("price model"), max_length=16, choices=_choices(PRICE_MODELS))
    clients = models.PositiveIntegerField(_("clients"), default=0)

    class Meta:
        ordering = ["listing", "name", "pk"]
        indexes = [models.Index(fields=["category"])]

    def __str__(self) -> str:
        return self.name


class ListingSolution(models.Model):
    listing = models.ForeignKey(Listing, models.CASCADE, related_name="solutions")
    key = models.CharField(max_length=36)
    title = models.CharField(_("title"), max_length=100)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    # ",digital_management,smart_manufacturing," (need categories), ",39,38," (GB/T 4754 divisions),
    # ",software,platform," (capability areas).
    categories = models.CharField(max_length=200, blank=True)
    industries = models.CharField(max_length=400, blank=True)
    areas = models.CharField(max_length=200, blank=True)
    price_min = models.DecimalField(_("price from (¥10k)"), max_digits=12, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(_("price up to (¥10k)"), max_digits=12, decimal_places=2, null=True, blank=True)
    delivery_days = models.PositiveIntegerField(_("delivery time (days)"), null=True, blank=True)
    light = models.BooleanField(_("small, fast, light and precise (小快轻准)"), default=False)
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["listing", "title", "pk"]

    def __str__(self) -> str:
        return self.title


class SolutionItem(models.Model):
    """The standard's items and scenarios a solution addresses, by spec and item code: what
    matching joins a diagnosed gap on."""

    solution = models.ForeignKey(ListingSolution, models.CASCADE, related_name="items")
    spec_code = models.CharField(max_length=32)
    item_code = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["solution", "spec_code", "item_code"],
                                               name="providers_solution_item_unique")]
        indexes = [models.Index(fields=["spec_code", "item_code"])]

    def __str__(self) -> str:
        return f"{self.spec_code}:{self.item_code}"


# ─── Pools ───────────────────────────────────────────────────────────────────────────────────


class PoolQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Pools are public (their calls and member lists are published); this is the set staff
        may manage: pools of their region and below."""
        return self

    def managed_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is None:
            return self.none()
        return self.filter(region__path__startswith=path)


class Pool(models.Model):
    class Tier(models.TextChoices):
        DISTRICT = "district", _("District pool")
        CITY = "city", _("City pool")
        PROVINCE = "province", _("Province pool")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not yet open")
        OPEN = "open", _("Accepting applications")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    year = models.PositiveSmallIntegerField(_("call year"))
    criteria = models.TextField(_("criteria"), max_length=4000, blank=True)
    call_opens = models.DateField(_("applications open"))
    call_closes = models.DateField(_("applications close"))
    # Parameters the bureau sets per call; defaults are ours ([P]) and the pages say so.
    objection_days = models.PositiveSmallIntegerField(_("public notice period (days)"), default=7)
    validity_months = models.PositiveSmallIntegerField(_("membership validity (months)"), default=36)
    min_confirmed_clients = models.PositiveSmallIntegerField(_("confirmed clients required at re-check"),
                                                             default=3)
    pass_score = models.DecimalField(_("pass score"), max_digits=5, decimal_places=2, default=60)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PoolQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "region__path", "name"]
        verbose_name = _("resource pool")
        verbose_name_plural = _("resource pools")
        constraints = [
            models.CheckConstraint(condition=Q(call_closes__gte=models.F("call_opens")),
                                   name="providers_pool_call_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class PoolApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The applying provider's members; staff of the pool's region; experts the applications
        assigned to them."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(pool__region__path__startswith=path)
        if user.staff_role == StaffRole.EXPERT:
            return self.filter(expert_scores__expert=user).distinct()
        if user.staff_role:
            return self.none()
        return self.filter(provider__memberships__user=user).distinct()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(provider__memberships__user=user,
                           provider__memberships__role__in=WRITE_ROLES).distinct()


class PoolApplication(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for completion")
        EXPERT_REVIEW = "expert_review", _("Expert review")
        NOTICE = "notice", _("Public notice")
        ADMITTED = "admitted", _("Admitted")
        REFUSED = "refused", _("Not admitted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    ACTIVE = (Status.SUBMITTED, Status.RETURNED, Status.EXPERT_REVIEW, Status.NOTICE)

    pool = models.ForeignKey(Pool, models.PROTECT, related_name="applications")
    provider = models.ForeignKey(Provider, models.CASCADE, related_name="pool_applications")
    # The published profile it was judged on; a later profile version never changes it.
    profile_version = models.ForeignKey(ProfileVersion, models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    # Bumped on every transition: a decision sent with an older number is stale (409).
    state_version = models.PositiveIntegerField(default=0)
    discount_offer = models.CharField(_("discount offered to SMEs"), max_length=200, blank=True)
    statement = models.TextField(_("statement"), max_length=4000, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    check_note = models.TextField(_("form check note"), max_length=2000, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    total_score = models.DecimalField(_("expert score"), max_digits=5, decimal_places=2, null=True, blank=True)
    notice_starts = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends = models.DateField(_("public notice until"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)

    objects = PoolApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "pk"]
        verbose_name = _("pool application")
        verbose_name_plural = _("pool applications")
        constraints = [
            models.UniqueConstraint(fields=["pool", "provider"],
                                    condition=Q(status__in=["submitted", "returned", "expert_review", "notice"]),
                                    name="providers_application_one_active"),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.provider} → {self.pool}"


class PoolMemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The member provider's people and staff of the pool's region (the public member list
        reads ``public()``)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(pool__region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(provider__memberships__user=user).distinct()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(provider__memberships__user=user,
                           provider__memberships__role__in=WRITE_ROLES).distinct()

    def public(self):
        return self.filter(status="active")


class PoolMember(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("In the pool")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")
        REMOVED = "removed", _("Removed")

    pool = models.ForeignKey(Pool, models.PROTECT, related_name="members")
    provider = models.ForeignKey(Provider, models.CASCADE, related_name="pool_memberships")
    application = models.OneToOneField(PoolApplication, models.PROTECT, null=True, blank=True,
                                       related_name="member")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    admitted_at = models.DateField(_("admitted on"))
    valid_until = models.DateField(_("valid until"))
    next_recheck = models.DateField(_("next re-check due"))
    suspended_reason = models.TextField(_("reason for suspension"), max_length=2000, blank=True)
    state_version = models.PositiveIntegerField(default=0)

    objects = PoolMemberQuerySet.as_manager()

    class Meta:
        ordering = ["pool", "provider__name"]
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        constraints = [models.UniqueConstraint(fields=["pool", "provider"], name="providers_member_unique")]
        indexes = [models.Index(fields=["status", "next_recheck"])]

    def __str__(self) -> str:
        return f"{self.provider} ∈ {self.pool}"


# ─── Pool lifecycle: expert scores, objections, re-checks, appeals, ratings, complaints ──────


class ExpertScoreQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The expert sees their own sheets; staff those of pools in their region."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(application__pool__region__path__startswith=path)
        if user.staff_role == StaffRole.EXPERT:
            return self.filter(expert=user)
        return self.none()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role != StaffRole.EXPERT:
            return self.none()
        return self.filter(expert=user)


class ExpertScore(models.Model):
    """One expert's score sheet for one application (four parts, weights in pools/workflow.py)."""

    application = models.ForeignKey(PoolApplication, models.CASCADE, related_name="expert_scores")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    conflict_declared = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_note = models.TextField(_("conflict of interest"), max_length=2000, blank=True)
    basic = models.DecimalField(_("basic information"), max_digits=5, decimal_places=2, null=True, blank=True)
    capability = models.DecimalField(_("service capability"), max_digits=5, decimal_places=2, null=True,
                                     blank=True)
    delivery = models.DecimalField(_("delivery performance"), max_digits=5, decimal_places=2, null=True,
                                   blank=True)
    discount = models.DecimalField(_("discount offered to SMEs"), max_digits=5, decimal_places=2, null=True,
                                   blank=True)
    total = models.DecimalField(_("total"), max_digits=5, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=4000, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = ExpertScoreQuerySet.as_manager()

    class Meta:
        ordering = ["application", "assigned_at", "pk"]
        verbose_name = _("expert score sheet")
        verbose_name_plural = _("expert score sheets")
        constraints = [models.UniqueConstraint(fields=["application", "expert"],
                                               name="providers_expert_score_unique")]

    def __str__(self) -> str:
        return f"{self.application} · {self.expert}"


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(application__pool__region__path__startswith=path)
        return self.filter(filed_by=user)


class Objection(models.Model):
    """An objection filed during an application's public notice (公示)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    application = models.ForeignKey(PoolApplication, models.CASCADE, related_name="objections")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("objection"), max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["filed_at", "pk"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.application} · {self.status}"


class MemberScopedQuerySet(models.QuerySet):
    """Rows of one pool member: its provider's people and staff of the pool's region."""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(member__pool__region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(member__provider__memberships__user=user).distinct()


class Recheck(models.Model):
    class Outcome(models.TextChoices):
        PASS = "pass", _("Passed")
        SUSPEND = "suspend", _("Suspended")

    member = models.ForeignKey(PoolMember, models.CASCADE, related_name="rechecks")
    year = models.PositiveSmallIntegerField(_("year"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    objects = MemberScopedQuerySet.as_manager()

    class Meta:
        ordering = ["member", "-year"]
        verbose_name = _("re-check")
        verbose_name_plural = _("re-checks")
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="providers_recheck_unique")]

    def __str__(self) -> str:
        return f"{self.member} · {self.year} {self.outcome}"


class Appeal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        GRANTED = "granted", _("Granted")
        DENIED = "denied", _("Denied")

    member = models.ForeignKey(PoolMember, models.CASCADE, related_name="appeals")
    text = models.TextField(_("appeal"), max_length=4000)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = MemberScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "pk"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(status="open"),
                                               name="providers_appeal_one_open")]

    def __str__(self) -> str:
        return f"{self.member} · {self.status}"


class EngagementQuerySet(models.QuerySet):
    """Ratings and complaints: the enterprise's people and staff of the provider's region."""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(provider__region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user).distinct()


class Rating(models.Model):
    """An enterprise's rating of a delivered engagement (a case it confirmed): one per year."""

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="ratings")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="provider_ratings")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    score = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(fields=["provider", "enterprise", "year"], name="providers_rating_yearly"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="providers_rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.provider}: {self.score}"


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")

    provider = models.ForeignKey(Provider, models.CASCADE, related_name="complaints")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="provider_complaints")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("complaint"), max_length=4000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), max_length=2000, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["provider", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.provider}: {self.subject}"


# ─── Matchmaking events (供需对接会, issue #10) ─────────────────────────────────────────────────


class EventScopedQuerySet(models.QuerySet):
    """Rows of a matchmaking event: bureau staff of the event's region (and of the regions above it)
    see and change them; nobody else sees any."""

    event_field = "event"

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is None:
            return self.none()
        prefix = f"{self.event_field}__" if self.event_field else ""
        return self.filter(**{f"{prefix}region__path__startswith": path})

    def writable_by(self, user):
        return self.visible_to(user)


class MatchEventQuerySet(EventScopedQuerySet):
    event_field = ""


class MatchEvent(models.Model):
    """A supply–demand matchmaking event (供需对接会) for a cluster, a park or a district: invited
    enterprises, invited pool providers, and the pairings suggested and followed up between them."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Cluster event")
        PARK = "park", _("Park event")
        DISTRICT = "district", _("District event")

    class Status(models.TextChoices):
        DRAFT = "draft", _("In preparation")
        OPEN = "open", _("Under way")
        CLOSED = "closed", _("Ended")

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    cluster = models.CharField(_("strategic cluster"), max_length=32, choices=Enterprise.CLUSTER_CHOICES, blank=True)
    park = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("park"))
    date = models.DateField(_("date"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    state_version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MatchEventQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("matchmaking event")
        verbose_name_plural = _("matchmaking events")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="cluster") | ~Q(cluster=""), name="providers_event_cluster_set"),
            models.CheckConstraint(condition=~Q(kind="park") | Q(park__isnull=False), name="providers_event_park_set"),
        ]

    def __str__(self) -> str:
        return self.title


class EventParticipant(models.Model):
    """An enterprise invited to an event, with the need categories it stated when invited."""

    event = models.ForeignKey(MatchEvent, models.CASCADE, related_name="participants")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="+")
    categories = models.JSONField(default=list, blank=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    objects = EventScopedQuerySet.as_manager()

    class Meta:
        ordering = ["event", "enterprise__name", "pk"]
        verbose_name = _("event participant")
        verbose_name_plural = _("event participants")
        constraints = [models.UniqueConstraint(fields=["event", "enterprise"], name="providers_participant_unique")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} @ {self.event_id}"


class EventProvider(models.Model):
    """A pool provider invited to an event; only active members of a pool covering the event's
    region may be invited."""

    event = models.ForeignKey(MatchEvent, models.CASCADE, related_name="providers")
    provider = models.ForeignKey(Provider, models.CASCADE, related_name="+")
    member = models.ForeignKey(PoolMember, models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)

    objects = EventScopedQuerySet.as_manager()

    class Meta:
        ordering = ["event", "provider__name", "pk"]
        verbose_name = _("event provider")
        verbose_name_plural = _("event providers")
        constraints = [models.UniqueConstraint(fields=["event", "provider"], name="providers_event_provider_unique")]

    def __str__(self) -> str:
        return f"{self.provider_id} @ {self.event_id}"


class Pairing(models.Model):
    """A suggested pairing of an invited enterprise with a solution of an invited provider, and what
    came of it (meeting, agreement). Solution key and title are snapshots: a later profile version
    does not rewrite what was suggested."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        MEETING = "meeting", _("Meeting held")
        AGREED = "agreed", _("Agreed")
        DECLINED = "declined", _("Declined")

    event = models.ForeignKey(MatchEvent, models.CASCADE, related_name="pairings")
    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="+")
    provider = models.ForeignKey(Provider, models.CASCADE, related_name="+")
    solution_key = models.CharField(max_length=36, blank=True)
    solution_title = models.CharField(_("solution"), max_length=100, blank=True)
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    explanation = models.TextField(_("explanation"), max_length=4000, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SUGGESTED)
    meeting_at = models.DateTimeField(_("meeting time"), null=True, blank=True)
    meeting_notes = models.TextField(_("meeting notes"), max_length=4000, blank=True)
    outcome = models.TextField(_("outcome"), max_length=2000, blank=True)
    state_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventScopedQuerySet.as_manager()

    class Meta:
        ordering = ["event", "enterprise__name", "rank", "pk"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.UniqueConstraint(fields=["event", "enterprise", "provider", "solution_key"],
                                    name="providers_pairing_unique"),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} ↔ {self.provider_id} @ {self.event_id}"


class PairingJob(models.Model):
    """One run of "generate pairing suggestions" for an event: the tracking row of a Celery job
    (docs/architecture.md, Background jobs): claimed with a conditional UPDATE, a lease, attempts,
    and progress the page polls."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    event = models.ForeignKey(MatchEvent, models.CASCADE, related_name="jobs")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("pairing job")
        verbose_name_plural = _("pairing jobs")
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(status__in=["queued", "running"]),
                                    name="providers_pairing_job_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} pairing job {self.status}"

    @property
    def final(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.final else 0)


# ─── Matching: versioned weights ─────────────────────────────────────────────────────────────


class MatchingWeightsQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau staff read the versions of their region, the regions above it and below it
        (a district officer sees the city's weights that rank its enterprises); nobody else."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is None:
            return self.none()
        ancestors = [path[:i + 1] for i, ch in enumerate(path) if ch == "/"]
        return self.filter(Q(region__path__startswith=path) | Q(region__path__in=ancestors))


class MatchingWeights(models.Model):
    """One version of the matching engine's weights (points per component, out of 100) that city
    staff set for their city, optionally for one diagnosis campaign. Versions are immutable: a change
    is a new version (``number`` counts up per region, campaign versions included), so every ranking can say which
    weights it used. Without a version the shipped defaults apply (providers/matching/weights.toml)."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    campaign = models.ForeignKey("diagnosis.Campaign", models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name=_("diagnosis campaign"))
    number = models.PositiveIntegerField(_("version"))
    weights = models.JSONField(_("weights"))
    note = models.CharField(_("reason for the change"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MatchingWeightsQuerySet.as_manager()

    class Meta:
        ordering = ["region__path", "campaign", "-number"]
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")
        constraints = [models.UniqueConstraint(fields=["region", "number"], name="providers_weights_number_unique")]

    def __str__(self) -> str:
        return f"{self.region} v{self.number}" + (f" · {self.campaign_id}" if self.campaign_id else "")

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("A weights version is immutable: create a new version instead.")
        super().save(*args, **kwargs)

    @property
    def version_label(self) -> str:
        return f"{self.region.code}-{'c' + str(self.campaign_id) + '-' if self.campaign_id else ''}v{self.number}"


# ─── Leads (contact requests and their pipeline) ─────────────────────────────────────────────


class LeadQuerySet(models.QuerySet):
    """An enterprise's people see its leads, a provider's people the leads to it, bureau staff
    those of enterprises in their region (read-only); experts and administrators none. Pages of one
    side narrow further (``of_enterprises_of`` / ``of_providers_of``), so a user who belongs to
    both an enterprise and a provider never reaches one side's lead through the other's page."""

    def visible_to(self, user):
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(enterprise__region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(Q(enterprise__memberships__user=user) | Q(provider__memberships__user=user)).distinct()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(Q(enterprise__memberships__user=user, enterprise__memberships__role__in=WRITE_ROLES)
                           | Q(provider__memberships__user=user, provider__memberships__role__in=WRITE_ROLES)
                           ).distinct()

    def of_enterprises_of(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(enterprise__memberships__user=user).distinct()

    def of_providers_of(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(provider__memberships__user=user).distinct()


class Lead(models.Model):
    """An enterprise's request that a provider contact it about one solution, sharing a summary of
    one diagnosis under an explicit, withdrawable consent; then the provider's pipeline for it
    (stages and their rules: providers/leads/workflow.py).

    The solution is kept by its stable key and a title snapshot: publishing a profile re-projects
    the listing, so a foreign key to a ListingSolution row would not survive. The summary is a
    snapshot of exactly what the consent page showed; withdrawing the consent hides it from the
    provider at once (the row keeps it for the enterprise's own record)."""

    class Stage(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("lead stage", "Requested")
        CONTACTED = "contacted", _("Contacted")
        PROPOSAL = "proposal", _("Proposal")
        CONTRACT = "contract", _("Contract")
        DELIVERED = "delivered", _("Delivered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CLOSED = "closed", pgettext_lazy("lead stage", "Closed")

    OPEN = ("requested", "contacted", "proposal", "contract", "delivered")

    enterprise = models.ForeignKey(Enterprise, models.CASCADE, related_name="leads")
    provider = models.ForeignKey(Provider, models.CASCADE, related_name="leads")
    solution_key = models.CharField(max_length=36)
    solution_title = models.CharField(_("solution"), max_length=100)
    # ",software,integration," like ListingSolution.areas: the areas the outcome rating counts under.
    solution_areas = models.CharField(max_length=200, blank=True)
    assessment = models.ForeignKey("diagnosis.Assessment", models.PROTECT, related_name="leads")
    summary = models.JSONField(_("shared diagnosis summary"), default=dict)
    # Dimension codes of the assessment's standard the engagement works on (outcome rating).
    targeted_dimensions = models.JSONField(default=list, blank=True)
    consent_version = models.CharField(max_length=16)
    consented_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    consented_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                     related_name="+")
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.REQUESTED)
    requested_at = models.DateTimeField(auto_now_add=True)
    contacted_on = models.DateField(_("contacted on"), null=True, blank=True)
    proposal_on = models.DateField(_("proposal on"), null=True, blank=True)
    contract_on = models.DateField(_("contract signed on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    proposal_amount = models.DecimalField(_("proposal amount (yuan)"), max_digits=12, decimal_places=2, null=True,
                                          blank=True)
    contract_amount = models.DecimalField(_("contract amount (yuan)"), max_digits=12, decimal_places=2, null=True,
                                          blank=True)
    close_note = models.CharField(_("note"), max_length=500, blank=True)
    # Bumped on every transition: an action sent with an older number is stale (409).
    state_version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            # One open lead per enterprise and provider, enforced by the database (two concurrent
            # identical requests leave one lead).
            models.UniqueConstraint(fields=["enterprise", "provider"],
                                    condition=Q(stage__in=["requested", "contacted", "proposal", "contract",
                                                           "delivered"]),
                                    name="providers_lead_one_open"),
            models.CheckConstraint(condition=Q(proposal_amount__isnull=True) | Q(proposal_amount__gt=0),
                                   name="providers_lead_proposal_positive"),
            models.CheckConstraint(condition=Q(contract_amount__isnull=True) | Q(contract_amount__gt=0),
                                   name="providers_lead_contract_positive"),
            models.CheckConstraint(condition=~Q(stage="accepted") | Q(accepted_on__isnull=False),
                                   name="providers_lead_accepted_dated"),
        ]
        indexes = [models.Index(fields=["provider", "stage"]), models.Index(fields=["enterprise", "stage"]),
                   models.Index(fields=["stage", "accepted_on"])]

    def __str__(self) -> str:
        return f"{self.enterprise} → {self.provider}: {self.solution_title}"

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN

    @property
    def consent_active(self) -> bool:
        return self.withdrawn_at is None

    def area_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.solution_areas.split(",") if code)
