"""Database-level history of state tables (docs/security.md R24): PostgreSQL triggers record
QuerySet.update(), bulk writes and raw SQL with the request's actor; append-only; no secrets."""

import pytest
from django.db import DatabaseError, connection, transaction

from diagnosis.models import Assessment
from portal.history import acting_as, set_actor
from portal.models import RecordHistory
from tests.factories.diagnosis import scored_assessment

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _history(table, pk):
    return list(RecordHistory.objects.filter(table_name=table, row_pk=str(pk)).order_by("pk"))


def test_a_queryset_update_is_recorded_with_the_actor(district_staff, enterprise):
    assessment = scored_assessment(enterprise)
    with acting_as(district_staff):
        Assessment.objects.filter(pk=assessment.pk).update(status="approved")
    last = _history("diagnosis_assessment", assessment.pk)[-1]
    assert last.operation == "U"
    assert last.changes()["status"] == ("submitted", "approved")
    assert (last.actor_id, last.actor_username) == (district_staff.pk, district_staff.username)


def test_raw_sql_is_recorded_too(district_staff, enterprise):
    with acting_as(district_staff), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_enterprise SET employees = 999 WHERE id = %s", [enterprise.pk])
    last = _history("portal_enterprise", enterprise.pk)[-1]
    assert last.operation == "U" and last.changes()["employees"][1] == 999
    assert last.actor_id == district_staff.pk


def test_a_request_names_its_user_and_leaves_no_actor_behind(login, owner, enterprise):
    client = login(owner)
    client.post(f"/enterprises/{enterprise.pk}/edit/", {
        "name": enterprise.name, "uscc": enterprise.uscc, "region": enterprise.region_id,
        "industry_section": enterprise.industry_section, "industry_division": enterprise.industry_division,
        "production_type": enterprise.production_type, "employees": 321, "revenue_band": enterprise.revenue_band,
        "contact_name": "张三", "contact_phone": "13800138000"})
    changed = [h for h in _history("portal_enterprise", enterprise.pk) if "employees" in h.changes()]
    assert changed and changed[-1].actor_id == owner.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('dxportal.actor', true), '')")
        assert cursor.fetchone()[0] == ""


def test_password_hashes_never_reach_the_history(owner):
    owner.set_password("Another-Strong-Pass-42")
    owner.save()
    for row in _history("portal_user", owner.pk):
        assert "password" not in (row.old or {}) and "password" not in (row.new or {})


def test_touching_updated_at_alone_is_not_a_change(enterprise):
    assessment = scored_assessment(enterprise)
    before = len(_history("diagnosis_assessment", assessment.pk))
    Assessment.objects.filter(pk=assessment.pk).update(updated_at=assessment.updated_at)
    from django.utils import timezone

    Assessment.objects.filter(pk=assessment.pk).update(updated_at=timezone.now())
    assert len(_history("diagnosis_assessment", assessment.pk)) == before


def test_history_is_append_only(enterprise):
    set_actor(None)
    row = _history("portal_enterprise", enterprise.pk)[0]
    for sql in ("UPDATE portal_recordhistory SET operation = 'X' WHERE id = %s",
                "DELETE FROM portal_recordhistory WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])


def test_the_audit_admin_reads_the_history_and_the_read_is_audited(login, audit_admin, enterprise):
    from portal.models import AuditEvent

    client = login(audit_admin)
    response = client.get("/audit/history/", {"table": "portal_enterprise", "row": enterprise.pk})
    assert response.status_code == 200 and "portal_enterprise" in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.history_read", actor=audit_admin).exists()


@pytest.mark.parametrize("persona", ["owner", "district_staff", "security_admin", "system_admin"])
def test_nobody_else_reads_the_history(request, login, persona):
    assert login(request.getfixturevalue(persona)).get("/audit/history/").status_code == 403
