"""Database-level history of the provider registry's state tables (docs/security.md R24): the
PostgreSQL triggers installed by providers/migrations/0004_track_history.py record bulk updates
with the actor."""

import pytest

from portal.history import acting_as
from portal.models import RecordHistory
from providers.models import PoolApplication
from tests.factories.providers import application_in, open_pool

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TRACKED = ("providers_profileversion", "providers_poolapplication", "providers_poolmember", "providers_expertscore",
           "providers_objection", "providers_recheck", "providers_appeal", "providers_complaint",
           "providers_caseconfirmation")


def test_a_queryset_update_of_an_application_status_is_recorded_with_the_actor(district_staff):
    application = application_in(open_pool(), "submitted")
    with acting_as(district_staff):
        PoolApplication.objects.filter(pk=application.pk).update(status=PoolApplication.Status.EXPERT_REVIEW)
    last = RecordHistory.objects.filter(table_name="providers_poolapplication",
                                        row_pk=str(application.pk)).order_by("pk").last()
    assert last is not None and last.operation == "U"
    assert last.changes()["status"] == ("submitted", "expert_review")
    assert (last.actor_id, last.actor_username) == (district_staff.pk, district_staff.username)


def test_every_registry_state_table_has_its_trigger():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT event_object_table FROM information_schema.triggers "
                       "WHERE event_object_table LIKE 'providers_%%'")
        tables = {row[0] for row in cursor.fetchall()}
    assert set(TRACKED) <= tables
