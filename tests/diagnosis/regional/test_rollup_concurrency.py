"""Race safety of the regional roll-up on PostgreSQL: many approvals of different enterprises' assessments
in the same district at the same moment, each on its own connection, all add to the same cells; the
additive upserts lose no count and the cells equal a rebuild."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from diagnosis.models import Assessment, RegionalCell
from diagnosis.review import services as services_review
from portal.models import User
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, StaffFactory, region

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def test_concurrent_approvals_leave_exact_counts():
    staff = StaffFactory(staff_role="district_staff", region=region("440309"))
    assessments = [scored_assessment(EnterpriseFactory(region=region("440309"), industry_division="39"),
                                     spec_key="sme-2024@1.0") for _n in range(THREADS)]

    def approve(pk):
        return lambda: services_review.assessment_approve(
            assessment=Assessment.objects.get(pk=pk), actor=User.objects.get(pk=staff.pk), expected_version=0)

    outcomes = race([approve(a.pk) for a in assessments])
    assert outcomes == ["ok"] * THREADS, outcomes
    basis = dict(RegionalCell.objects.filter(kind="basis").values_list("key", "n"))
    assert basis == {"verified": THREADS}
    everyone = RegionalCell.objects.get(kind="all")
    assert (everyone.n, everyone.firms) == (THREADS, THREADS)
    assert everyone.total_cents == sum(int(a.total * 100) for a in assessments) != Decimal(0)
    incremental = sorted(RegionalCell.objects.values_list("year", "region_id", "kind", "key", "n", "total_cents",
                                                          "firms"))
    call_command("regional_rebuild", stdout=io.StringIO())
    assert sorted(RegionalCell.objects.values_list("year", "region_id", "kind", "key", "n", "total_cents",
                                                   "firms")) == incremental
