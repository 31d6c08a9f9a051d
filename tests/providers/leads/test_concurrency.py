"""Race safety on PostgreSQL: the same contact request sent several times at the same instant, each
on its own connection, leaves one lead; concurrent pipeline steps with the same version move it once."""

import pytest

from portal.models import AuditEvent, User
from providers.leads import services
from providers.models import Lead, ListingSolution
from tests.concurrency import leave_regions, race, restore_regions  # noqa: F401 (fixtures)
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, MembershipFactory
from tests.factories.providers import applicant, member_of, open_pool

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 5


def _setup():
    pool = open_pool(region_code="440309")
    provider, provider_owner = applicant()
    member_of(pool, provider=provider, due_days_ago=-100)
    enterprise = EnterpriseFactory()
    owner = MembershipFactory(enterprise=enterprise, role="owner").user
    assessment = scored_assessment(enterprise, user=owner, best=False)
    solution = ListingSolution.objects.filter(listing__provider=provider).first()
    return owner, provider_owner, assessment, solution


def test_concurrent_identical_requests_leave_one_lead():
    owner, _provider_owner, assessment, solution = _setup()

    def ask():
        return lambda: services.request_lead(actor=User.objects.get(pk=owner.pk), assessment=assessment,
                                             solution=ListingSolution.objects.get(pk=solution.pk), consent=True)

    outcomes = race([ask() for _n in range(THREADS)])
    assert sorted(outcomes) == ["duplicate"] * (THREADS - 1) + ["ok"], outcomes
    assert Lead.objects.count() == 1
    assert AuditEvent.objects.filter(action="lead.request").count() == 1


def test_concurrent_steps_with_one_version_move_once():
    owner, provider_owner, assessment, solution = _setup()
    lead = services.request_lead(actor=owner, assessment=assessment, solution=solution, consent=True)

    def contact():
        return lambda: services.transition(actor=User.objects.get(pk=provider_owner.pk),
                                           lead=Lead.objects.get(pk=lead.pk), side="provider", action="contact",
                                           expected_version=0)

    outcomes = race([contact() for _n in range(THREADS)])
    assert sorted(outcomes) == ["ok"] + ["stale"] * (THREADS - 1), outcomes
    lead.refresh_from_db()
    assert (lead.stage, lead.state_version) == ("contacted", 1)
