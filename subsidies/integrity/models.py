"""Who gets paid, the invoices an application claims, and the integrity flags raised before a
decision (subsidies/integrity/checks.py decides what is suspicious; services.py stores it).

Bank account and ID numbers are encrypted at rest (portal/crypto.py, R26) with a blind index beside
each for the equality checks (the same account or legal representative on an enterprise and its
provider); pages and exports show them masked.
"""

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.crypto import EncryptedCharField, blind_index, normalise
from portal.models import Enterprise, Provider
from portal.roles import WRITE_ROLES, StaffRole, staff_region_path


class PayeeAccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The organisation's members; bureau staff of the organisation's region subtree."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is not None:
            return self.filter(Q(enterprise__region__path__startswith=path)
                               | Q(provider__region__path__startswith=path))
        if user.staff_role:
            return self.none()
        return self.filter(Q(enterprise__memberships__user=user) | Q(provider__memberships__user=user)).distinct()

    def writable_by(self, user):
        if not user.is_authenticated or not user.is_active or user.staff_role:
            return self.none()
        return self.filter(
            Q(enterprise__memberships__user=user, enterprise__memberships__role__in=WRITE_ROLES)
            | Q(provider__memberships__user=user, provider__memberships__role__in=WRITE_ROLES)).distinct()


class PayeeAccount(models.Model):
    """An organisation's (enterprise or provider) payee details: the account subsidies are paid to
    and its legal representative. One per organisation; the related-party checks compare them."""

    enterprise = models.OneToOneField(Enterprise, models.CASCADE, null=True, blank=True, related_name="payee_account")
    provider = models.OneToOneField(Provider, models.CASCADE, null=True, blank=True, related_name="payee_account")
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    legal_representative_id = EncryptedCharField(_("legal representative's ID number"), max_length=18)
    legal_representative_id_index = models.CharField(max_length=64, db_index=True, editable=False)
    address = models.CharField(_("registered address"), max_length=200)
    address_key = models.CharField(max_length=200, db_index=True, editable=False)
    bank_name = models.CharField(_("bank"), max_length=100)
    account_name = models.CharField(_("account name"), max_length=100)
    account_number = EncryptedCharField(_("account number"), max_length=34)
    account_number_index = models.CharField(max_length=64, db_index=True, editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PayeeAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("payee account")
        verbose_name_plural = _("payee accounts")
        constraints = [models.CheckConstraint(
            condition=Q(enterprise__isnull=False, provider__isnull=True) | Q(enterprise__isnull=True,
                                                                             provider__isnull=False),
            name="subsidies_payee_one_organisation")]

    def __str__(self):
        return str(self.organisation)

    def save(self, *args, **kwargs):
        self.legal_representative_id_index = blind_index(self.legal_representative_id)
        self.account_number_index = blind_index(self.account_number)
        self.address_key = address_key(self.address)
        super().save(*args, **kwargs)

    @property
    def organisation(self):
        return self.enterprise or self.provider


def address_key(address: str) -> str:
    """An address compared loosely: no spaces or punctuation, full-width digits folded."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", address or "")).upper()[:200]


class ApplicationInvoice(models.Model):
    """An invoice an application claims as evidence of its spending; the same number claimed twice
    (in another application or programme) is flagged."""

    application = models.ForeignKey("subsidies.Application", models.CASCADE, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=40)
    number_key = models.CharField(max_length=40, db_index=True, editable=False)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    issuer = models.CharField(_("issuer"), max_length=100)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "pk"]
        verbose_name = _("claimed invoice")
        verbose_name_plural = _("claimed invoices")
        constraints = [
            models.UniqueConstraint(fields=["application", "number_key"], name="subsidies_invoice_once_per_application"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="subsidies_invoice_amount_positive"),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        self.number_key = normalise(self.number)
        super().save(*args, **kwargs)


class IntegrityFlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Bureau staff of the application's region subtree; nobody else (a flag names suspicions
        about third parties)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        path = staff_region_path(user)
        if path is None:
            return self.none()
        return self.filter(application__region__path__startswith=path)

    def writable_by(self, user):
        """Only city staff override a flag (docs: "overriding needs a recorded justification by city staff")."""
        if not user.is_authenticated or not user.is_active or user.staff_role != StaffRole.CITY:
            return self.none()
        return self.visible_to(user)

    def blocking(self):
        return self.filter(status=IntegrityFlag.Status.OPEN)


class IntegrityFlag(models.Model):
    class Kind(models.TextChoices):
        RELATED_PARTY = "related_party", _("Enterprise and provider are related")
        DUPLICATE_INVOICE = "duplicate_invoice", _("Invoice claimed twice")
        FILED_BY_PROVIDER = "filed_by_provider", _("Filed by the provider for its client")
        EXPERT_CONFLICT = "expert_conflict", _("Expert reviews a related party")

    class Status(models.TextChoices):
        OPEN = "open", _("Open: blocks the decision")
        OVERRIDDEN = "overridden", _("Overridden with justification")
        CLEARED = "cleared", _("No longer found")

    application = models.ForeignKey("subsidies.Application", models.CASCADE, related_name="integrity_flags")
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # Identifies the finding (kind + what it is about) so a re-check updates instead of duplicating.
    key = models.CharField(max_length=200)
    reason = models.TextField(_("reason"), max_length=2000)
    facts = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    state_version = models.PositiveIntegerField(default=0)
    found_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(auto_now=True)
    justification = models.TextField(_("justification"), max_length=2000, blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                      related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    objects = IntegrityFlagQuerySet.as_manager()

    class Meta:
        ordering = ["application", "found_at", "pk"]
        verbose_name = _("integrity flag")
        verbose_name_plural = _("integrity flags")
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="subsidies_flag_unique_finding"),
            models.CheckConstraint(condition=~Q(status="overridden") | (~Q(justification="")
                                                                      & Q(overridden_by__isnull=False)),
                                   name="subsidies_flag_override_justified"),
        ]

    def __str__(self):
        return f"{self.application} · {self.get_kind_display()}"
