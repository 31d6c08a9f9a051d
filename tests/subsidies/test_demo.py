"""The demo programmes: every seed with one published version and its budget lines, readable by the
rules, deterministic and idempotent."""

import pytest

from subsidies import rules
from subsidies.demo import seed_programmes
from subsidies.models import BudgetLine, Programme, ProgrammeVersion
from subsidies.seeds import PROGRAMMES
from tests.factories.portal import StaffFactory, region

pytestmark = pytest.mark.django_db


def test_seed_programmes_is_idempotent_and_readable():
    creator = StaffFactory(staff_role="city_staff", region=region("440300"))
    assert seed_programmes(creator=creator) == len(PROGRAMMES)
    assert seed_programmes(creator=creator) == 0
    assert Programme.objects.count() == len(PROGRAMMES)
    for version in ProgrammeVersion.objects.select_related("programme"):
        assert version.status == "published"
        rules.parse_params(version.programme.instrument, version.params)
        rules.parse_conditions(version.conditions)
        lines = BudgetLine.objects.filter(version=version)
        total = lines.get(region__isnull=True)
        assert total.allocated == version.budget_total
        assert sum(line.allocated for line in lines.exclude(region__isnull=True)) <= total.allocated
    instruments = set(Programme.objects.values_list("instrument", flat=True))
    assert instruments == {"post_hoc_reward", "cloud_voucher", "service_voucher", "interest_subsidy", "open_call",
                           "level_reward"}
