"""The leads demo: deterministic, every stage, a few providers rated with n ≥ 3, idempotent."""

import datetime as dt

import pytest
from django.utils import timezone

from diagnosis.models import Assessment
from portal.models import User
from providers.leads import demo, selectors
from providers.models import Lead
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory
from tests.factories.providers import applicant, member_of, open_pool

pytestmark = pytest.mark.django_db
FIRMS = 90


def _world():
    """Longhua firms assessed twice on GB/T 23020 (a year apart), and five providers in its pool."""
    pool = open_pool(region_code="440309")
    for _n in range(5):
        member_of(pool, provider=applicant()[0], due_days_ago=-100)
    seed_user = User.objects.create(username="demo_regional_seed", is_active=False)
    first = EnterpriseFactory()
    low = scored_assessment(first, best=False, spec_key="gbt23020-2013@1.0")
    high = scored_assessment(first, best=True, spec_key="gbt23020-2013@1.0")
    rows = []
    now = timezone.now()
    for i in range(FIRMS):
        firm = first if i == 0 else EnterpriseFactory()
        for source, days in ((low, 400 - i), (high if i % 2 else low, 30 + i)):
            rows.append(Assessment(enterprise=firm, spec_code="gbt23020-2013", spec_version="1.0", year=2026,
                                   status="submitted", region=firm.region, context=source.context,
                                   submitted_answers=source.submitted_answers, result=source.result,
                                   total=source.total, created_by=seed_user,
                                   submitted_at=now - dt.timedelta(days=days)))
    Assessment.objects.filter(pk__in=[low.pk, high.pk]).delete()
    Assessment.objects.bulk_create(rows)


def test_seed_gives_every_stage_and_rated_providers():
    _world()
    created = demo.seed_leads()
    assert created == Lead.objects.count() > 20
    stages = set(Lead.objects.values_list("stage", flat=True))
    assert stages == {"requested", "contacted", "proposal", "contract", "delivered", "accepted", "declined", "closed"}
    assert Lead.objects.filter(withdrawn_at__isnull=False).exists()
    for lead in Lead.objects.filter(stage="accepted"):
        later = Assessment.objects.filter(enterprise=lead.enterprise, submitted_at__date__gt=lead.accepted_on)
        assert later.exists(), "every accepted engagement has its re-assessment"
    selectors.forget_outcome_ratings()
    rated = [key for key, rating in selectors.outcome_ratings().items() if key[1] is None and rating.n >= 3]
    assert len(rated) >= 3
    assert demo.seed_leads() == 0  # idempotent


def test_seed_is_deterministic():
    _world()
    demo.seed_leads()
    first = list(Lead.objects.order_by("pk").values_list("enterprise_id", "provider_id", "stage", "contract_amount"))
    Lead.objects.all().delete()
    demo.seed_leads()
    again = list(Lead.objects.order_by("pk").values_list("enterprise_id", "provider_id", "stage", "contract_amount"))
    assert first == again


def test_without_the_regional_data_nothing_is_seeded():
    assert demo.seed_leads() == 0
