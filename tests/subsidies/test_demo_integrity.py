"""subsidies/demo_integrity.py: vouchers in every state, projects accepted against a T1 (points
per yuan has figures), payee accounts encrypted, one overridden and one open integrity flag;
deterministic and idempotent."""

import datetime as dt

import pytest
from django.utils import timezone

from subsidies.demo_integrity import seed_integrity
from subsidies.integrity.models import IntegrityFlag, PayeeAccount
from subsidies.models import BudgetLine
from subsidies.projects import selectors
from subsidies.projects.models import Project
from subsidies.vouchers.models import Voucher
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region
from tests.factories.providers import member_of, open_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(city_staff, district_staff):
    year = timezone.localdate().year
    for n in range(8):
        firm = EnterpriseFactory(region=region("440309"))
        scored_assessment(firm, spec_key="gbt23020-2013@1.0", best=False, status="approved", year=year - 1,
                          when=timezone.now() - dt.timedelta(days=300 + n))
        scored_assessment(firm, spec_key="gbt23020-2013@1.0", best=True, status="approved", year=year,
                          when=timezone.now() - dt.timedelta(days=20 + n))
    for _n in range(8):
        EnterpriseFactory(region=region("440306"))
    member_of(open_pool(region_code="440300", created_by=city_staff))
    return city_staff, district_staff


def test_demo_covers_every_state_and_is_idempotent(world, enterprise, owner):
    city_staff, district_staff = world
    counts = seed_integrity(city_staff=city_staff, district_staff=district_staff, enterprise_owner=owner,
                            demo_enterprise=enterprise)
    assert (counts.vouchers, counts.projects) == (6, 8)
    assert set(Voucher.objects.values_list("status", flat=True)) == {"issued", "used", "verified", "paid", "expired"}
    assert Voucher.objects.filter(enterprise=enterprise, status="issued").exists()
    assert set(Project.objects.values_list("status", flat=True)) == {"accepted", "acceptance_requested", "filed"}
    assert sorted(IntegrityFlag.objects.values_list("kind", "status")) == [
        ("duplicate_invoice", "open"), ("related_party", "overridden")]
    # The district account (Longhua) has the open flag in its queue; here every spare Longhua firm
    # has a project, so the flag goes on one of them rather than outside Longhua.
    queue = IntegrityFlag.objects.visible_to(district_staff).filter(status="open")
    assert [f.application.region.code for f in queue] == ["440309"]
    assert queue.get().application.enterprise != enterprise  # the demo enterprise keeps its own story
    assert PayeeAccount.objects.count() == 3
    line = BudgetLine.objects.get(version__programme__code="demo-sz-service-voucher")
    assert 0 <= line.disbursed <= line.reserved <= line.allocated
    table = selectors.points_per_yuan(city_staff)
    assert table["overall"].n == 6 and table["overall"].points_per_10k > 0
    again = seed_integrity(city_staff=city_staff, district_staff=district_staff)
    assert (again.vouchers, again.projects, again.flags) == (0, 0, 0)
    assert Voucher.objects.count() == 6 and Project.objects.count() == 8


def test_demo_adds_nothing_without_pool_providers(city_staff, district_staff):
    assert seed_integrity(city_staff=city_staff, district_staff=district_staff).vouchers == 0
    assert not Voucher.objects.exists()


def test_demo_open_flag_prefers_a_longhua_firm_without_a_project(world, enterprise, owner):
    city_staff, district_staff = world
    spare = EnterpriseFactory(region=region("440309"))  # created last: the last credit code
    seed_integrity(city_staff=city_staff, district_staff=district_staff, enterprise_owner=owner,
                   demo_enterprise=enterprise)
    flag = IntegrityFlag.objects.visible_to(district_staff).get(status="open")
    assert flag.kind == "duplicate_invoice" and flag.application.enterprise == spare
    assert not Project.objects.filter(enterprise=spare).exists()
