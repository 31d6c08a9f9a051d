"""The demo applications: every state, consistent budget, idempotent."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from subsidies.demo_applications import seed
from subsidies.models import Application, BudgetLine
from subsidies.workflow import STATUSES

pytestmark = pytest.mark.django_db


def test_seed_every_state_and_again_nothing(enterprise, owner, district_staff, city_staff, expert):
    first = seed(owner=owner, enterprise=enterprise, district=district_staff, creator=city_staff, expert=expert)
    assert first.created == 13 and first.programme_created
    assert set(Application.objects.values_list("status", flat=True)) == set(STATUSES)
    again = seed(owner=owner, enterprise=enterprise, district=district_staff, creator=city_staff, expert=expert)
    assert again.created == 0 and Application.objects.count() == 13
    decided = Application.objects.filter(decided_amount__isnull=False).aggregate(s=Sum("decided_amount"))["s"]
    total = BudgetLine.objects.get(region__isnull=True)
    assert total.reserved == decided > Decimal(0)
    assert total.disbursed == Application.objects.filter(status__in=("disbursed", "evaluated")).aggregate(
        s=Sum("decided_amount"))["s"]
    assert Application.objects.filter(status="in_notice", objections__isnull=False).count() == 1
