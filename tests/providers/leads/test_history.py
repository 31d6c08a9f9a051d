"""The lead table's database-level history (docs/security.md R24): a withdrawal and a bulk stage
change are recorded with the actor."""

import pytest

from portal.history import acting_as
from portal.models import RecordHistory
from providers.leads import services
from providers.models import Lead

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_lead_changes_are_recorded_with_the_actor(owner, lead):
    with acting_as(owner):
        services.withdraw_consent(actor=owner, lead=lead)
    rows = RecordHistory.objects.filter(table_name="providers_lead", row_pk=str(lead.pk)).order_by("pk")
    assert [row.operation for row in rows] == ["I", "U"]
    assert rows.last().changes()["stage"] == ("requested", "closed")
    assert rows.last().actor_id == owner.pk
    with acting_as(owner):
        Lead.objects.filter(pk=lead.pk).update(close_note="bulk")
    assert RecordHistory.objects.filter(table_name="providers_lead", row_pk=str(lead.pk)).count() == 3
