"""Service and cloud vouchers: issued to an enterprise under a programme version (from a decided
voucher application, or directly by staff), used with an active pool provider who uploads the
contract and payment proof, verified by staff, then paid. The face value, share and cap are copied
from the version's parameters at issue, so a later version never changes a voucher."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.models import Enterprise, Provider, Region
from portal.roles import StaffRole, staff_region_path


class VoucherQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The holder enterprise's members, the provider that used it, bureau staff of the
        enterprise's district subtree. Another provider sees nothing (the code is the key to use it)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(region__path__startswith=path)
        if user.staff_role:
            return self.none()
        return self.filter(Q(enterprise__memberships__user=user) | Q(provider__memberships__user=user)).distinct()

    def writable_by(self, user):
        """Staff of the region verify and pay; the provider's side writes through the use service."""
        if not user.is_authenticated or not user.is_active or user.staff_role not in (StaffRole.DISTRICT,
                                                                                         StaffRole.CITY):
            return self.none()
        return self.visible_to(user)


class Voucher(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        USED = "used", _("Used with a provider")
        VERIFIED = "verified", _("Verified")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.CharField(_("voucher code"), max_length=20, unique=True)
    version = models.ForeignKey("subsidies.ProgrammeVersion", models.PROTECT, related_name="vouchers",
                                verbose_name=_("programme version"))
    enterprise = models.ForeignKey(Enterprise, models.PROTECT, related_name="vouchers", verbose_name=_("enterprise"))
    application = models.OneToOneField("subsidies.Application", models.PROTECT, null=True, blank=True,
                                       related_name="voucher", verbose_name=_("application"))
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("district"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ISSUED)
    state_version = models.PositiveIntegerField(default=0)
    # Copied from the version's parameters at issue: the most it pays, and which share of the price.
    face_value = models.DecimalField(_("face value (yuan)"), max_digits=12, decimal_places=2)
    share = models.DecimalField(_("share of the price"), max_digits=5, decimal_places=4)
    expires_on = models.DateField(_("valid until"))
    # The line the face value is reserved on (by the decision, or at a direct issue).
    budget_line = models.ForeignKey("subsidies.BudgetLine", models.PROTECT, related_name="vouchers",
                                    verbose_name=_("budget line"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    # Use: the pool provider, the contract price and what the voucher covers of it.
    provider = models.ForeignKey(Provider, models.PROTECT, null=True, blank=True, related_name="vouchers_used",
                                 verbose_name=_("service provider"))
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    contract_amount = models.DecimalField(_("contract amount (yuan)"), max_digits=12, decimal_places=2, null=True,
                                          blank=True)
    redeemed_amount = models.DecimalField(_("amount covered (yuan)"), max_digits=12, decimal_places=2, null=True,
                                          blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    used_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                    related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    objects = VoucherQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "pk"]
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        constraints = [
            models.CheckConstraint(condition=Q(face_value__gt=0), name="subsidies_voucher_face_positive"),
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=1), name="subsidies_voucher_share_range"),
            models.CheckConstraint(condition=Q(redeemed_amount__isnull=True) | (
                Q(redeemed_amount__gte=0) & Q(redeemed_amount__lte=F("face_value"))),
                name="subsidies_voucher_redeemed_within_face"),
            models.CheckConstraint(condition=Q(status__in=["issued", "expired", "cancelled"]) | (
                Q(provider__isnull=False) & Q(redeemed_amount__isnull=False)),
                name="subsidies_voucher_used_has_provider"),
        ]
        indexes = [models.Index(fields=["status", "region"]), models.Index(fields=["enterprise", "version"])]

    def __str__(self):
        return self.code


def voucher_file_upload_to(instance, filename):
    return f"vouchers/{instance.voucher_id}/{filename}"


class VoucherFile(models.Model):
    class Kind(models.TextChoices):
        CONTRACT = "contract", _("Contract")
        PAYMENT = "payment", _("Payment proof")

    voucher = models.ForeignKey(Voucher, models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to=voucher_file_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["voucher", "uploaded_at", "pk"]
        verbose_name = _("voucher attachment")
        verbose_name_plural = _("voucher attachments")

    def __str__(self):
        return self.original_name
