"""Test data builders, one module per app: ``tests.factories.portal`` (users, staff, enterprises,
providers, memberships, TOTP devices, USCCs, regions) and ``tests.factories.diagnosis`` (scored
assessments). Import from those modules; the names below are re-exported for older imports."""

from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import (
    PASSWORD,
    EnterpriseFactory,
    MembershipFactory,
    ProviderFactory,
    StaffFactory,
    UserFactory,
    confirmed_totp,
    make_uscc,
    region,
)

__all__ = [
    "PASSWORD",
    "EnterpriseFactory",
    "MembershipFactory",
    "ProviderFactory",
    "StaffFactory",
    "UserFactory",
    "confirmed_totp",
    "make_uscc",
    "region",
    "scored_assessment",
]
