"""Claim links: a bureau imports a firm that has not registered yet (diagnosis campaigns), and the
firm claims that pre-filled record when it registers instead of creating a second one.

The token is signed (``django.core.signing``, its own salt) and carries the record's id and USCC;
it expires after ``CLAIM_MAX_AGE`` and is single use because a record with a member can no longer be
claimed (the claim makes the new account its owner)."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.utils.translation import gettext as _

from portal.exceptions import Gone, Invalid
from portal.models import Enterprise

SALT = "portal.enterprise-claim"
CLAIM_MAX_AGE = dt.timedelta(days=60)


def claim_token(enterprise: Enterprise) -> str:
    return signing.dumps({"e": enterprise.pk, "u": enterprise.uscc}, salt=SALT, compress=True)


def claimable(token: str, *, for_update: bool = False) -> Enterprise:
    """The enterprise record ``token`` lets its holder claim. Invalid for a damaged or forged token
    or one naming another record; Gone for an expired token or a record already claimed."""
    if not isinstance(token, str) or not token or len(token) > 500 or "\x00" in token:
        raise Invalid(_("This claim link is not valid. Ask the bureau for a new invitation."), code="claim_invalid")
    try:
        payload = signing.loads(token, salt=SALT, max_age=CLAIM_MAX_AGE)
    except signing.SignatureExpired:
        raise Gone(_("This claim link has expired. Ask the bureau for a new invitation."),
                   code="claim_expired") from None
    except signing.BadSignature:
        raise Invalid(_("This claim link is not valid. Ask the bureau for a new invitation."),
                      code="claim_invalid") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), int):
        raise Invalid(_("This claim link is not valid. Ask the bureau for a new invitation."), code="claim_invalid")
    queryset = Enterprise.objects.select_for_update() if for_update else Enterprise.objects
    enterprise = queryset.filter(pk=payload["e"]).first()
    if enterprise is None or enterprise.uscc != payload.get("u"):
        raise Invalid(_("This claim link is not valid. Ask the bureau for a new invitation."), code="claim_invalid")
    if enterprise.memberships.exists():
        raise Gone(_("This enterprise has already been claimed. Sign in with its account, or ask its owner to "
                     "add you as a member."), code="claim_used")
    return enterprise
