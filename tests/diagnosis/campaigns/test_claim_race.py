"""Race safety on PostgreSQL: one claim link used from several connections at once. The enterprise
row lock and the membership check let exactly one account become the owner; the others are told the
record is claimed, and their accounts roll back with them."""

import pytest

from portal import services
from portal.claims import claim_token
from portal.models import Enterprise, Membership, OrgStatus, User
from portal.privacy import notices
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.portal import region

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 5


def test_one_claim_link_used_at_once_makes_one_owner():
    record = Enterprise.objects.create(uscc=_uscc(), name="深圳市龙华认领竞争有限公司",
                                       region=region("440309"), status=OrgStatus.PENDING, industry_section="C",
                                       industry_division="39", employees=0,
                                       revenue_band=Enterprise.RevenueBand.FROM_20M)
    token = claim_token(record)

    def claim(n):
        def act():
            services.enterprise_claim(token=token, org_data={"employees": 10 + n}, user_data={
                "username": f"racer{n}", "first_name": "王", "email": f"r{n}@example.cn", "phone": "13800001111",
                "password": "Xq7!long-enough-pass", "notice_version": notices.current("registration").version})
        return act

    outcomes = race([claim(n) for n in range(THREADS)])
    assert sorted(outcomes) == ["claim_used"] * (THREADS - 1) + ["ok"], outcomes
    assert Membership.objects.filter(enterprise=record).count() == 1
    assert User.objects.filter(username__startswith="racer").count() == 1


def _uscc() -> str:
    from tests.factories.portal import make_uscc

    return make_uscc("440309")
