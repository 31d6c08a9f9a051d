"""A NUL byte in a query or form parameter is bad input, never a server error (PostgreSQL text cannot
hold it). Every page and API endpoint answers 400 with a translated message, and nothing is written."""

from urllib.parse import urlencode

import pytest

from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


@pytest.mark.parametrize("path", [
    "/api/v1/assessments/?status={}",
    "/assessments/?q={}",
    "/review/?status={}",
])
def test_a_nul_byte_in_the_query_string_is_400(login, district_staff, owner, path):
    user = district_staff if path.startswith("/review/") else owner
    response = login(user).get(path.format("a%00b"))
    assert response.status_code == 400


def test_the_audit_log_filters_refuse_a_nul_byte(login, audit_admin):
    client = login(audit_admin)
    for query in ("action", "user"):
        assert client.get(f"/audit/?{query}=a%00b").status_code == 400


def test_a_nul_byte_in_a_form_field_is_400_and_nothing_is_written(login, owner, enterprise):
    client = login(owner)
    before = AuditEvent.objects.count()
    # Encoded as a browser sends an ordinary form.
    response = client.post("/assessments/start/", urlencode({"enterprise": enterprise.pk, "spec": NUL}),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "不允许的字符" in response.content.decode()  # a plain, translated reason
    assert AuditEvent.objects.count() == before


def test_the_api_answers_nul_bytes_in_json(login, owner):
    response = login(owner).get("/api/v1/assessments/?status=a%00b", HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
