"""The leads API: same scope and refusals as the pages, explicit fields, no summary for staff or
after a withdrawal."""

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from providers.models import Lead

pytestmark = pytest.mark.django_db


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _snapshot():
    return list(Lead.objects.order_by("pk").values())


def test_request_over_the_api(owner, assessment, solution):
    response = _api(owner).post("/api/v1/registry/leads/", {"assessment": assessment.pk, "solution": solution.pk,
                                                            "consent": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.data["stage"] == "requested" and response.data["summary"]["spec_code"] == assessment.spec_code
    again = _api(owner).post("/api/v1/registry/leads/", {"assessment": assessment.pk, "solution": solution.pk,
                                                         "consent": True}, format="json")
    assert again.status_code == 409 and again.data["code"] == "duplicate"
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(("payload", "status", "code"), [
    ({"consent": False}, 400, "consent_required"),
    ({"solution": 999999}, 404, None),
    ({"assessment": 999999}, 404, None),
    ({"assessment": "x"}, 400, None),
])
def test_bad_requests(owner, assessment, solution, payload, status, code):
    data = {"assessment": assessment.pk, "solution": solution.pk, "consent": True, **payload}
    response = _api(owner).post("/api/v1/registry/leads/", data, format="json")
    assert response.status_code == status
    if code:
        assert response.data["code"] == code
    assert not Lead.objects.exists()


def test_outside_pool_over_the_api(owner, assessment, outside_solution):
    response = _api(owner).post("/api/v1/registry/leads/", {"assessment": assessment.pk,
                                                            "solution": outside_solution.pk, "consent": True},
                                format="json")
    assert response.status_code == 400 and response.data["code"] == "not_in_pool"
    assert not Lead.objects.exists()


def test_scope_of_the_list_and_detail(owner, outsider, provider_owner, other_provider_owner, lead):
    assert [row["id"] for row in _api(owner).get("/api/v1/registry/leads/").data["results"]] == [lead.pk]
    assert [row["id"] for row in _api(provider_owner).get("/api/v1/registry/leads/").data["results"]] == [lead.pk]
    assert _api(outsider).get("/api/v1/registry/leads/").data["results"] == []
    assert _api(other_provider_owner).get("/api/v1/registry/leads/").data["results"] == []
    assert _api(other_provider_owner).get(f"/api/v1/registry/leads/{lead.pk}/").status_code == 404
    assert _api(outsider).get(f"/api/v1/registry/leads/{lead.pk}/").status_code == 404


def test_staff_see_no_summary(district_staff, other_district_staff, lead):
    rows = _api(district_staff).get("/api/v1/registry/leads/").data["results"]
    assert [row["id"] for row in rows] == [lead.pk] and rows[0]["summary"] is None
    assert _api(other_district_staff).get("/api/v1/registry/leads/").data["results"] == []
    assert _api(other_district_staff).get(f"/api/v1/registry/leads/{lead.pk}/").status_code == 404


def test_steps_stale_and_withdrawn(owner, provider_owner, other_provider_owner, lead):
    url = f"/api/v1/registry/leads/{lead.pk}/step/"
    ok = _api(provider_owner).post(url, {"side": "provider", "action": "contact", "state_version": 0}, format="json")
    assert ok.status_code == 200 and ok.data["stage"] == "contacted"
    before = _snapshot()
    stale = _api(provider_owner).post(url, {"side": "provider", "action": "propose", "state_version": 0,
                                            "amount": "5000"}, format="json")
    assert stale.status_code == 409 and stale.data["code"] == "stale"
    jump = _api(provider_owner).post(url, {"side": "provider", "action": "deliver", "state_version": 1}, format="json")
    assert jump.status_code == 409 and jump.data["code"] == "invalid_transition"
    other = _api(other_provider_owner).post(url, {"side": "provider", "action": "propose", "state_version": 1,
                                                  "amount": "5000"}, format="json")
    assert other.status_code == 404
    wrong_side = _api(provider_owner).post(url, {"side": "enterprise", "action": "close", "state_version": 1},
                                           format="json")
    assert wrong_side.status_code == 404
    assert _snapshot() == before
    withdrawn = _api(owner).post(f"/api/v1/registry/leads/{lead.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.data["consent_active"] is False
    seen = _api(provider_owner).get(f"/api/v1/registry/leads/{lead.pk}/").data
    assert seen["summary"] is None and seen["enterprise_name"] is None
    before = _snapshot()
    after = _api(provider_owner).post(url, {"side": "provider", "action": "propose", "state_version": 2,
                                            "amount": "5000"}, format="json")
    assert after.status_code == 409 and after.data["code"] == "consent_withdrawn"
    assert _snapshot() == before


def test_the_database_refuses_a_second_open_lead(lead):
    values = {f.attname: getattr(lead, f.attname) for f in Lead._meta.concrete_fields if f.attname != "id"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Lead.objects.create(**values)
    Lead.objects.create(**{**values, "stage": "closed", "closed_on": lead.requested_at.date()})  # a closed one is fine
