"""The audit administrator's trail page: labels instead of codes, filters with a date range,
pagination that keeps the filter, the Excel export and the hash-chain check, each audited."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from portal.audit import audit_log
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def _event(action, *, when=None, username="alice", role="district_staff", obj_type="", obj_id=""):
    event = audit_log(action=action, username=username, object_type=obj_type, object_id=obj_id)
    if when is not None:
        # The trail is append-only; tests date an event by writing it through the ORM's queryset.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
            cursor.execute("UPDATE portal_auditevent SET created_at = %s WHERE id = %s", [when, event.pk])
            if connection.vendor == "postgresql":
                cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")
    return event


def test_codes_are_shown_as_words(login, audit_admin, owner):
    audit_log(action="enterprise.update", actor=owner, object_type="portal.user", object_id="9")
    html = login(audit_admin).get("/audit/").content.decode()
    assert "企业信息变更" in html  # "Enterprise details changed"
    assert "用户 #9" in html and "portal.user 9" not in html
    assert "企业用户" in html  # the enterprise role, not "enterprise"


def test_date_range_filter_uses_whole_local_days(login, audit_admin):
    today = timezone.localdate()
    old = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=10), dt.time(12)))
    _event("auth.login", when=old, username="old-login")
    _event("auth.login", username="new-login")
    client = login(audit_admin)
    html = client.get("/audit/", {"date_from": (today - dt.timedelta(days=1)).isoformat(),
                                  "date_to": today.isoformat()}).content.decode()
    assert "new-login" in html and "old-login" not in html
    bad = client.get("/audit/", {"date_from": today.isoformat(), "date_to": (today - dt.timedelta(days=2)).isoformat()})
    assert bad.status_code == 200 and "结束日期早于开始日期" in bad.content.decode()


def test_pagination_keeps_the_filter(login, audit_admin):
    for n in range(105):
        _event("evidence.upload", username=f"u{n}")
    client = login(audit_admin)
    first = client.get("/audit/", {"domain": "evidence"})
    html = first.content.decode()
    assert "domain=evidence" in html and "page=2" in html
    second = client.get("/audit/", {"domain": "evidence", "page": 2})
    assert len(second.context["rows"]) == 5
    assert all(r["event"].action == "evidence.upload" for r in second.context["rows"])


def test_export_is_a_watermarked_workbook_and_is_audited(login, audit_admin):
    _event("auth.login", username="=cmd|' /C calc'!A0")
    response = login(audit_admin).get("/audit/export/", {"domain": "auth"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "导出" in rows[0][0]
    users = [row[1] for row in rows[2:]]
    assert "'=cmd|' /C calc'!A0" in users  # formula neutralised
    assert AuditEvent.objects.filter(action="audit.export", actor=audit_admin).exists()


def test_verify_button_reports_an_intact_chain_and_is_audited(login, audit_admin):
    _event("auth.login")
    client = login(audit_admin)
    response = client.post("/audit/verify/", follow=True)
    assert "完整" in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.verify", outcome="success").exists()


@pytest.mark.parametrize("persona", ["owner", "district_staff", "security_admin", "system_admin"])
def test_only_the_audit_admin_exports_or_verifies(request, login, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get("/audit/export/").status_code == 403
    assert client.post("/audit/verify/").status_code == 403
