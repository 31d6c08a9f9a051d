"""The event funnel counts leads (providers.leads) between the event's enterprises and providers
requested since the event opened, by the stage they reached."""

import pytest
from django.utils import timezone

from providers.events import selectors, services
from providers.leads import services as leads
from providers.models import EventParticipant, EventProvider, ListingSolution
from tests.factories.diagnosis import scored_assessment
from tests.factories.providers import applicant, member_of

pytestmark = pytest.mark.django_db


def _stages(event):
    return {s.key: s.count for s in selectors.funnel(event)}


def test_funnel_counts_the_event_leads(event, pool, enterprise, owner, district_staff):
    provider, provider_owner = applicant()
    member = member_of(pool, provider=provider, due_days_ago=-100)
    solution = ListingSolution.objects.filter(listing__provider=provider).first()
    assessment = scored_assessment(enterprise, user=owner, best=False)
    EventParticipant.objects.create(event=event, enterprise=enterprise, invited_by=district_staff)
    EventProvider.objects.create(event=event, provider=provider, member=member, invited_by=district_staff)
    assert "lead_contacted" not in _stages(event)  # not opened yet: no lead stages
    services.event_transition(event=event, actor=district_staff, action="open", expected_version=0)
    event.refresh_from_db()
    assert _stages(event)["lead_contacted"] == 0
    lead = leads.request_lead(actor=owner, assessment=assessment, solution=solution, consent=True)
    leads.transition(actor=provider_owner, lead=lead, side="provider", action="contact", expected_version=0,
                     day=timezone.localdate())
    stages = _stages(event)
    assert (stages["lead_contacted"], stages["lead_contract"], stages["lead_accepted"]) == (1, 0, 0)
    # A lead requested before the event opened is not the event's.
    event.opened_at = timezone.now()
    event.save(update_fields=["opened_at"])
    assert _stages(event)["lead_contacted"] == 0
