"""The audit trail: who reads it, what it records, and that it cannot be rewritten (R21–R23)."""

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit import audit_log, verify_chain
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_events_chain_and_verify(owner):
    for i in range(3):
        audit_log(action="test.event", actor=owner, detail={"i": i})
    assert verify_chain() is None
    events = list(AuditEvent.objects.order_by("pk"))
    assert events[1].prev_hash == events[0].hash


def test_a_forged_row_breaks_the_chain(owner):
    first = audit_log(action="test.event", actor=owner)
    audit_log(action="test.event", actor=owner)
    # A forger with database-superuser rights (who can switch the trigger off) changes history:
    # the hash chain still shows exactly where.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER portal_auditevent_no_update")
        cursor.execute("UPDATE portal_auditevent SET action = 'forged' WHERE id = %s", [first.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER portal_auditevent_no_update")
    assert verify_chain() == first.pk


@pytest.mark.postgres
def test_database_refuses_rewrites(owner):
    event = audit_log(action="test.event", actor=owner)
    for sql in ("UPDATE portal_auditevent SET action = 'forged' WHERE id = %s",
                "DELETE FROM portal_auditevent WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event"


def test_orm_refuses_rewrites(owner):
    event = audit_log(action="test.event", actor=owner)
    event.action = "forged"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_secrets_never_reach_the_trail(owner):
    event = audit_log(action="test.event", actor=owner, detail={"password": "hunter2-hunter2", "otp_token": "123456"})
    assert "hunter2" not in str(event.detail) and "123456" not in str(event.detail)


def test_login_and_logout_are_recorded_with_role_and_ip(login, owner, client):
    login(owner)
    client.post("/accounts/logout/")
    login_event = AuditEvent.objects.get(action="auth.login")
    assert login_event.actor_id == owner.pk
    assert login_event.actor_role == "enterprise"
    assert login_event.ip == "127.0.0.1"
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=owner.pk).exists()


def test_only_the_audit_admin_reads_the_trail_and_the_read_is_recorded(login, audit_admin):
    client = login(audit_admin)
    response = client.get("/audit/?action=auth.")
    assert response.status_code == 200
    assert "auth.login" in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.read", actor_id=audit_admin.pk).exists()


@pytest.mark.parametrize("persona", ["owner", "district_staff", "city_staff", "system_admin", "security_admin",
                                     "expert"])
def test_nobody_else_reads_the_trail(request, login, persona):
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get("/audit/").status_code == 403
    assert AuditEvent.objects.filter(action="access.forbidden", actor_id=user.pk, outcome="denied").exists()


def test_staff_data_changes_are_recorded_with_before_and_after(owner, enterprise):
    from portal.services import enterprise_update

    enterprise_update(enterprise=enterprise, actor=owner, data={"employees": 300})
    event = AuditEvent.objects.get(action="enterprise.update")
    assert event.detail["changes"]["employees"] == ["120", "300"]
