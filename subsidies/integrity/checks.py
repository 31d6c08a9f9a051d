"""Conflict and duplicate checks run before a subsidy decision (pure: plain data in, frozen
findings out; no Django). The service gathers the facts (subsidies/integrity/services.py), this
module says what is suspicious, and a finding becomes an ``IntegrityFlag`` that blocks the decision
until city staff override it with a justification.

What counts as suspicious (issue #11, "Conflicts and duplicates"):

- **related parties**: the enterprise and its provider share a legal representative (same ID
  number), a phone number, a registered address or a bank account;
- **duplicate invoice**: an invoice number this application claims is also claimed by another live
  application, in the same programme or another one;
- **filed by the provider**: the person who filed the application is a member of the provider the
  project uses (the provider applying on its client's behalf);
- **expert conflict**: an expert assigned to review the application belongs to the enterprise or the
  provider, shares a phone number with either, or declared a conflict.

Identifiers arrive already normalised: ID numbers and bank accounts as blind indexes
(portal/crypto.py), phones as digits, addresses as ``address_key``. An empty value never matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


def phone_key(phone: str) -> str:
    """Digits only, without a +86 / 86 country prefix on a mobile number."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86") and digits[2] == "1":
        digits = digits[2:]
    return digits


@dataclass(frozen=True)
class Party:
    """An enterprise or provider as the checks see it."""

    org_id: int
    name: str
    legal_rep_index: str = ""
    phones: frozenset[str] = frozenset()  # phone_key values
    address_key: str = ""
    account_index: str = ""
    member_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class InvoiceClaim:
    number_key: str
    application_id: int
    reference: str
    programme: str


@dataclass(frozen=True)
class Reviewer:
    user_id: int
    name: str
    phone: str = ""  # phone_key
    declared_conflict: bool = False


@dataclass(frozen=True)
class Case:
    application_id: int
    enterprise: Party
    provider: Party | None
    filed_by_id: int
    invoices: tuple[str, ...] = ()  # this application's invoice number keys
    other_claims: tuple[InvoiceClaim, ...] = ()  # the same numbers claimed by other live applications
    reviewers: tuple[Reviewer, ...] = ()


@dataclass(frozen=True)
class Finding:
    kind: str  # related_party | duplicate_invoice | filed_by_provider | expert_conflict
    key: str  # stable identity of the finding within its application
    basis: str  # what matched: legal_representative | phone | address | bank_account | invoice | member | declared
    facts: tuple[tuple[str, str], ...] = ()

    def fact(self, name: str) -> str:
        return dict(self.facts).get(name, "")


def related_party_findings(enterprise: Party, provider: Party | None) -> list[Finding]:
    if provider is None:
        return []
    found = []
    pairs = [
        ("legal_representative", enterprise.legal_rep_index, provider.legal_rep_index),
        ("address", enterprise.address_key, provider.address_key),
        ("bank_account", enterprise.account_index, provider.account_index),
    ]
    for basis, mine, theirs in pairs:
        if mine and mine == theirs:
            found.append(Finding("related_party", f"related_party:{provider.org_id}:{basis}", basis,
                                 (("provider", provider.name),)))
    shared = sorted(p for p in enterprise.phones & provider.phones if p)
    if shared:
        found.append(Finding("related_party", f"related_party:{provider.org_id}:phone", "phone",
                             (("provider", provider.name), ("phone", shared[0]))))
    return found


def duplicate_invoice_findings(case: Case) -> list[Finding]:
    mine = {n for n in case.invoices if n}
    found = []
    for claim in sorted(case.other_claims, key=lambda c: (c.number_key, c.application_id)):
        if claim.application_id == case.application_id or claim.number_key not in mine:
            continue
        found.append(Finding("duplicate_invoice", f"duplicate_invoice:{claim.number_key}:{claim.application_id}",
                             "invoice", (("invoice", claim.number_key), ("reference", claim.reference),
                                         ("programme", claim.programme))))
    return found


def filed_by_provider_findings(case: Case) -> list[Finding]:
    if case.provider is not None and case.filed_by_id in case.provider.member_ids:
        return [Finding("filed_by_provider", f"filed_by_provider:{case.provider.org_id}", "member",
                        (("provider", case.provider.name),))]
    return []


def expert_conflict_findings(case: Case) -> list[Finding]:
    found = []
    parties = [case.enterprise] + ([case.provider] if case.provider is not None else [])
    for reviewer in case.reviewers:
        basis, party_name = "", ""
        for party in parties:
            if reviewer.user_id in party.member_ids:
                basis, party_name = "member", party.name
            elif reviewer.phone and reviewer.phone in party.phones:
                basis, party_name = "phone", party.name
            if basis:
                break
        if not basis and reviewer.declared_conflict:
            basis, party_name = "declared", case.enterprise.name
        if basis:
            found.append(Finding("expert_conflict", f"expert_conflict:{reviewer.user_id}", basis,
                                 (("expert", reviewer.name), ("party", party_name))))
    return found


def findings(case: Case) -> list[Finding]:
    """Every finding for one application, in a stable order."""
    return (related_party_findings(case.enterprise, case.provider) + duplicate_invoice_findings(case)
            + filed_by_provider_findings(case) + expert_conflict_findings(case))


# ─── Money input shared by the integrity and voucher forms ────────────────────────────────────

TWO_PLACES = Decimal("0.01")


def money_problem(value: Decimal, *, maximum: Decimal) -> str:
    """'' when ``value`` is a valid amount in yuan, else why not: not_finite | negative | zero |
    too_many_places | too_large."""
    if not value.is_finite():
        return "not_finite"
    if value < 0:
        return "negative"
    if value == 0:
        return "zero"
    if value != value.quantize(TWO_PLACES):
        return "too_many_places"
    if value > maximum:
        return "too_large"
    return ""
