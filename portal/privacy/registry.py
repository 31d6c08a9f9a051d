"""The data classification registry (docs/security.md R25, PIPL Art. 51, DSL Art. 21).

Every model of the portal — and of the libraries it installs — is listed here with what its rows are
for, how long they are kept, who may read them, and the class of each field. The classes drive the
rest: `personal` and `sensitive` fields go into a person's data export (R28) and are anonymised on
erasure, `sensitive` fields must be encrypted at rest (R26), and the retention rules are what the
nightly job applies (R30). `tests/portal/privacy/test_registry.py` fails when a model or a field
that looks personal is not classified, so a new model cannot ship unclassified.

A field is classified by, in order: its explicit entry in ``fields``; a link to a user (a foreign
key to the user model identifies a person: `personal`, kept for accountability); the model's
``default``. This module is plain data (no Django), read by services and tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class DataClass(StrEnum):
    PUBLIC = "public"  # shown to anyone (published listings, programme rules)
    INTERNAL = "internal"  # the platform's own bookkeeping
    BUSINESS = "confidential-business"  # an organisation's confidential data (scores, investments)
    PERSONAL = "personal"  # identifies or relates to a natural person (PIPL Art. 4)
    SENSITIVE = "sensitive"  # sensitive personal information (PIPL Art. 28): ID and bank numbers, secrets


PERSONAL_CLASSES = frozenset({DataClass.PERSONAL, DataClass.SENSITIVE})


class OnErasure(StrEnum):
    """What a person's erasure request does to their rows in this model."""

    ANONYMISE = "anonymise"  # personal fields blanked or pseudonymised, the row stays (foreign keys intact)
    DELETE = "delete"  # the rows go
    RETAIN = "retain"  # kept as the law requires (audit trail ≥ 6 months, subsidy finance records)
    NOT_PERSONAL = "-"  # holds nobody's personal data directly


@dataclass(frozen=True)
class Retention:
    """Rows whose ``field`` (a date/time) is older than ``days`` are removed (``delete``) or have their
    personal fields anonymised (``anonymise``) by the nightly retention job. ``only`` narrows the rows
    (a field lookup → value mapping, e.g. read notifications only)."""

    days: int
    field: str
    action: str = "delete"
    only: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelRule:
    purpose: str
    retention: str  # in words, shown in the notice and docs
    readers: str  # who may read it, in words
    default: DataClass = DataClass.INTERNAL
    fields: Mapping[str, DataClass] = field(default_factory=dict)
    # The lookup from this model to the user the personal data is about ("" = the user row itself);
    # None when rows are not about one user (organisation records, shared documents).
    subject: str | None = None
    on_erasure: OnErasure = OnErasure.NOT_PERSONAL
    retention_rule: Retention | None = None


P, S, B, PUB, INT = DataClass.PERSONAL, DataClass.SENSITIVE, DataClass.BUSINESS, DataClass.PUBLIC, DataClass.INTERNAL

# Field names that suggest personal data: each such field must be classified explicitly.
PERSONAL_LOOKING = re.compile(
    r"(phone|mobile|e_?mail|id_?number|id_?card|bank|account_number|address|contact|legal_rep|"
    r"ip_address|^ip$|user_agent|first_name|last_name|full_name|username|real_name|person|participants)", re.I)

_ORG_FIELDS = {"name": PUB, "uscc": PUB, "contact_name": P, "contact_phone": P}
# Subsidy records are finance records: kept for the archive period of fiscal documents.
_FINANCE = "finance records: at least 10 years after payment (会计档案管理办法), never deleted on request"
_KEEP_LAW = "kept while the organisation takes part, then as long as the archive rules for public programmes require"

REGISTRY: dict[str, ModelRule] = {
    # --- Django and third-party -----------------------------------------------------------------
    "admin.LogEntry": ModelRule("console change log (Django admin)", "kept with the audit trail", "audit administrator",
                                fields={"object_repr": INT, "change_message": INT}, subject="user",
                                on_erasure=OnErasure.RETAIN),
    "auth.Permission": ModelRule("framework permission catalogue", "permanent", "system administrator"),
    "auth.Group": ModelRule("framework groups (unused for rights)", "permanent", "system administrator"),
    "contenttypes.ContentType": ModelRule("framework model catalogue", "permanent", "system administrator"),
    "sessions.Session": ModelRule("signed-in sessions", "until expiry (idle 30 min, 12 h absolute); purged daily",
                                  "nobody (the framework)", default=S, on_erasure=OnErasure.DELETE,
                                  retention_rule=Retention(days=0, field="expire_date")),
    "authtoken.Token": ModelRule("API tokens", "12 h lifetime; removed on erasure", "nobody (hashed use only)",
                                 fields={"key": S}, subject="user", on_erasure=OnErasure.DELETE),
    "authtoken.TokenProxy": ModelRule("API tokens (admin proxy)", "as API tokens", "nobody", fields={"key": S},
                                      subject="user", on_erasure=OnErasure.DELETE),
    "otp_totp.TOTPDevice": ModelRule("two-factor devices of staff", "while the account exists", "nobody (secret)",
                                     fields={"key": S, "name": P}, subject="user", on_erasure=OnErasure.DELETE),
    "axes.AccessFailureLog": ModelRule("failed sign-ins (security log)", "1 year", "security and audit administrators",
                                       fields={"user_agent": P, "ip_address": P, "username": P},
                                       retention_rule=Retention(days=365, field="attempt_time")),
    "axes.AccessAttempt": ModelRule("sign-in lock-out counters", "until the cool-off ends; 1 year at most",
                                    "security administrator",
                                    fields={"user_agent": P, "ip_address": P, "username": P, "get_data": P,
                                            "post_data": P},
                                    retention_rule=Retention(days=365, field="attempt_time")),
    "axes.AccessAttemptExpiration": ModelRule("lock-out expiry", "with its attempt", "security administrator"),
    "axes.AccessLog": ModelRule("sign-in log", "1 year (≥ 6 months, Cybersecurity Law Art. 21)",
                                "security and audit administrators",
                                fields={"user_agent": P, "ip_address": P, "username": P, "session_hash": S},
                                retention_rule=Retention(days=365, field="attempt_time")),
    # --- portal -----------------------------------------------------------------------------------
    "portal.Region": ModelRule("administrative regions", "permanent", "everyone", default=PUB),
    "portal.User": ModelRule("accounts", "while the account is used; anonymised on erasure or 3 years after "
                             "being disabled", "the person; staff of their region; the security administrator",
                             fields={"password": S, "username": P, "first_name": P, "last_name": P, "email": P,
                                     "phone": P, "last_login": P, "date_joined": P},
                             subject="", on_erasure=OnErasure.ANONYMISE),
    "portal.Enterprise": ModelRule("registered enterprises", _KEEP_LAW, "the enterprise's members; bureau staff of its region",
                                   default=B, fields={**_ORG_FIELDS, "region": PUB, "industry_division": PUB,
                                                      "industry_section": PUB}),
    "portal.Provider": ModelRule("registered service providers", _KEEP_LAW, "everyone (published listing); staff",
                                 default=PUB, fields=_ORG_FIELDS),
    "portal.Membership": ModelRule("who belongs to which organisation", "while a member", "the organisation; staff",
                                   subject="user", on_erasure=OnErasure.DELETE),
    "portal.AuditEvent": ModelRule("audit trail (等保 8.1.4.3)", "at least 6 months; kept 3 years, never edited "
                                   "(hash chain)", "audit administrator",
                                   fields={"actor_username": P, "ip": P, "user_agent": P, "detail": P},
                                   subject="actor", on_erasure=OnErasure.RETAIN),
    "portal.Notification": ModelRule("in-app notices and their e-mails", "read notices 1 year", "the person",
                                     fields={"title": P, "body": P, "url": P, "email_status": INT,
                                             "email_attempts": INT}, subject="user",
                                     on_erasure=OnErasure.DELETE,
                                     retention_rule=Retention(days=365, field="created_at",
                                                              only={"read_at__isnull": False})),
    "portal.EnterpriseChangeRequest": ModelRule("name, USCC and district changes", _KEEP_LAW,
                                                "the enterprise; staff of both districts", default=B),
    "portal.RecordHistory": ModelRule("row-level history of state tables (R24)", "with the audit trail",
                                      "audit administrator", fields={"actor_username": P, "old": P, "new": P},
                                      on_erasure=OnErasure.RETAIN),
    "portal.ConsentRecord": ModelRule("proof of notices read and consents given or withdrawn",
                                      "as long as the processing it covers, then 3 years", "the person; audit administrator",
                                      fields={"ip_address": P}, subject="user", on_erasure=OnErasure.RETAIN),
    "portal.ErasureRequest": ModelRule("requests to delete one's personal data", "3 years (proof of handling)",
                                       "the person; security administrator", subject="user",
                                       on_erasure=OnErasure.RETAIN),
    # --- diagnosis --------------------------------------------------------------------------------
    "diagnosis.Assessment": ModelRule("self-assessments and their scores", _KEEP_LAW,
                                      "the enterprise; bureau staff of its region; assigned experts", default=B),
    "diagnosis.Answer": ModelRule("answers to assessment items", _KEEP_LAW, "as the assessment", default=B),
    "diagnosis.RebasedResult": ModelRule("results re-scored on a newer standard version", _KEEP_LAW, "as the assessment",
                                         default=B),
    "diagnosis.Evidence": ModelRule("evidence files", _KEEP_LAW, "as the assessment", default=B,
                                    fields={"original_name": B}),
    "diagnosis.Need": ModelRule("declared needs", _KEEP_LAW, "as the assessment", default=B),
    "diagnosis.ItemCorrection": ModelRule("corrections made in review", _KEEP_LAW, "as the assessment", default=B),
    "diagnosis.ExpertAssignment": ModelRule("expert assignments and opinions", _KEEP_LAW, "staff; the expert", default=B),
    "diagnosis.SiteVisit": ModelRule("on-site diagnosis notes", _KEEP_LAW, "staff; experts",
                                     default=B, fields={"participants": P}),
    "diagnosis.Report": ModelRule("diagnosis report PDFs", _KEEP_LAW, "the enterprise; staff; anyone holding the code "
                                  "(cover facts only)", default=B),
    "diagnosis.Campaign": ModelRule("annual diagnosis campaigns", "permanent", "bureau staff"),
    "diagnosis.CampaignTarget": ModelRule("enterprises targeted by a campaign", "the campaign year plus 3 years",
                                          "bureau staff of the region", default=B, fields={"contact_email": P}),
    "diagnosis.CampaignReminder": ModelRule("reminders sent", "with the target", "bureau staff"),
    "diagnosis.RegionalCell": ModelRule("regional roll-up of scores (aggregates)", "rebuilt at will", "bureau staff",
                                        default=B),
    "diagnosis.RegionalReport": ModelRule("regional analysis report PDFs (aggregates, k rule outside the region)",
                                          _KEEP_LAW, "bureau staff of the region; anyone holding the code "
                                          "(cover facts only)", default=B),
    # --- providers --------------------------------------------------------------------------------
    "providers.ProfileVersion": ModelRule("provider capability profiles", _KEEP_LAW, "the provider; staff",
                                          default=B, fields={"document": B}),
    "providers.ProviderDocument": ModelRule("qualification documents", _KEEP_LAW, "the provider; staff", default=B),
    "providers.CaseConfirmation": ModelRule("client confirmations of provider cases", _KEEP_LAW,
                                            "the two organisations; staff", default=B),
    "providers.Listing": ModelRule("published provider listing", "while published", "everyone", default=PUB),
    "providers.ListingCapability": ModelRule("published capabilities", "while published", "everyone", default=PUB),
    "providers.ListingIndustry": ModelRule("published industry experience", "while published", "everyone", default=PUB),
    "providers.ListingApp": ModelRule("published applications", "while published", "everyone", default=PUB),
    "providers.ListingSolution": ModelRule("published solutions", "while published", "everyone", default=PUB),
    "providers.SolutionItem": ModelRule("solution ↔ standard items", "while published", "everyone", default=PUB),
    "providers.Pool": ModelRule("provider pools", "permanent", "everyone (published pools)", default=PUB),
    "providers.PoolApplication": ModelRule("pool applications", _KEEP_LAW, "the provider; staff", default=B),
    "providers.PoolMember": ModelRule("pool memberships", _KEEP_LAW, "everyone (members list); staff", default=PUB),
    "providers.ExpertScore": ModelRule("expert score sheets", _KEEP_LAW, "staff", default=B),
    "providers.Objection": ModelRule("objections during public notice", _KEEP_LAW, "staff", default=B,
                                     fields={"text": P}),
    "providers.Recheck": ModelRule("annual re-checks", _KEEP_LAW, "the provider; staff", default=B),
    "providers.Appeal": ModelRule("appeals", _KEEP_LAW, "the provider; staff", default=B),
    "providers.Rating": ModelRule("enterprise ratings of providers", _KEEP_LAW, "the two organisations; staff", default=B),
    "providers.Complaint": ModelRule("complaints about providers", _KEEP_LAW, "the two organisations; staff", default=B),
    "providers.Lead": ModelRule("contact requests from enterprises to providers, with the consent to share a "
                                "diagnosis summary", _KEEP_LAW, "the enterprise; the provider while consent stands; staff",
                                default=B, fields={"contacted_on": B}),
    "providers.MatchingWeights": ModelRule("versions of the matching weights", "permanent", "bureau staff"),
    "providers.MatchEvent": ModelRule("matchmaking events (供需对接会)", _KEEP_LAW, "bureau staff of the region"),
    "providers.EventParticipant": ModelRule("enterprises invited to an event", _KEEP_LAW, "bureau staff", default=B),
    "providers.EventProvider": ModelRule("providers invited to an event", _KEEP_LAW, "bureau staff", default=B),
    "providers.Pairing": ModelRule("pairing suggestions, meetings and outcomes", _KEEP_LAW, "bureau staff",
                                   default=B, fields={"meeting_notes": B}),
    "providers.PairingJob": ModelRule("pairing job progress", "with its event", "bureau staff"),
    # --- subsidies --------------------------------------------------------------------------------
    "subsidies.Programme": ModelRule("subsidy programmes", "permanent", "everyone", default=PUB),
    "subsidies.ProgrammeVersion": ModelRule("programme rule versions", "permanent", "everyone (published)", default=PUB),
    "subsidies.BudgetLine": ModelRule("programme budgets", "permanent (finance records)", "bureau staff", default=B),
    "subsidies.Application": ModelRule("subsidy applications", _FINANCE, "the enterprise; bureau staff of its region; "
                                       "assigned experts", default=B),
    "subsidies.ApplicationFile": ModelRule("application attachments", _FINANCE, "as the application", default=B),
    "subsidies.ApplicationEvent": ModelRule("application timeline", _FINANCE, "as the application", default=B),
    "subsidies.ExpertReview": ModelRule("expert score sheets and conflict declarations", _FINANCE, "bureau staff",
                                        default=B),
    "subsidies.Objection": ModelRule("objections during a subsidy's public notice", _FINANCE, "bureau staff",
                                     default=B, fields={"contact": P, "text": P}),
    "subsidies.DisbursementBatch": ModelRule("payment batches to the finance department", _FINANCE, "bureau staff",
                                             default=B),
    "subsidies.Disbursement": ModelRule("payments", _FINANCE, "the enterprise; bureau staff", default=B),
    "subsidies.PayeeAccount": ModelRule("payee bank accounts and legal representatives", _FINANCE,
                                        "the organisation; bureau staff (masked in lists and exports)", default=B,
                                        fields={"legal_representative": P, "legal_representative_id": S,
                                                "legal_representative_id_index": INT, "address": P,
                                                "address_key": INT, "bank_name": B, "account_name": B, "account_number": S,
                                                "account_number_index": INT}),
    "subsidies.ApplicationInvoice": ModelRule("invoices claimed in applications", _FINANCE, "bureau staff", default=B),
    "subsidies.IntegrityFlag": ModelRule("related-party and duplicate-claim flags", _FINANCE, "bureau staff",
                                         default=B),
    "subsidies.Voucher": ModelRule("service and cloud vouchers", _FINANCE, "the enterprise; the redeeming provider; "
                                   "bureau staff", default=B, fields={"contract_number": B}),
    "subsidies.VoucherFile": ModelRule("voucher contracts and payment proofs", _FINANCE, "as the voucher", default=B),
    "subsidies.Project": ModelRule("filed transformation projects", _FINANCE, "the enterprise; its provider; staff",
                                   default=B),
    "subsidies.ProjectFile": ModelRule("project acceptance evidence", _FINANCE, "as the project", default=B),
}


# Sensitive fields protected by other means than field encryption, and how (R26 asks for one of them).
PROTECTED_OTHERWISE: dict[str, str] = {
    "portal.User.password": "salted, iterated hash (PBKDF2); never stored in clear",
    "sessions.Session.session_data": "signed server-side data, deleted at sign-out and expiry",
    "authtoken.Token.key": "random bearer token, 12 h lifetime, never shown again after issue",
    "authtoken.TokenProxy.key": "as authtoken.Token.key",
    "otp_totp.TOTPDevice.key": "TOTP secret never displayed after enrolment; the database is on an encrypted volume",
    "axes.AccessLog.session_hash": "a hash of the session key, not the key",
}


def rule_for(label: str) -> ModelRule | None:
    return REGISTRY.get(label)


def classify(label: str, field_name: str, *, links_to_user: bool = False) -> DataClass | None:
    """The class of ``label``'s field ``field_name``; None when the model is not registered."""
    rule = REGISTRY.get(label)
    if rule is None:
        return None
    if field_name in rule.fields:
        return rule.fields[field_name]
    if links_to_user:
        return DataClass.PERSONAL
    return rule.default


def needs_explicit_class(field_name: str) -> bool:
    return bool(PERSONAL_LOOKING.search(field_name))


def unclassified(fields) -> list[str]:
    """Given ``(model label, field name, links to a user)`` for every concrete field, what the registry
    does not classify: models missing, and personal-looking fields that only a default covers."""
    problems = []
    for label, name, links_to_user in fields:
        rule = REGISTRY.get(label)
        if rule is None:
            problems.append(f"{label}: model not in the registry")
        elif needs_explicit_class(name) and name not in rule.fields and not links_to_user:
            problems.append(f"{label}.{name}: looks personal, classify it explicitly")
    return sorted(set(problems))
