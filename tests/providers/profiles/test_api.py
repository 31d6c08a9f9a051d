"""The profiles API: scoped to members and the region's staff (404 otherwise), read-only members
refused (403), stale saves and double decisions 409, problems listed on submit, NUL bytes 400,
and every operation in the OpenAPI schema."""

import pytest
from rest_framework.test import APIClient

from providers.models import CaseConfirmation, Listing, ProfileVersion
from tests.factories.portal import EnterpriseFactory, MembershipFactory
from tests.factories.providers import profile_document, submitted_profile

pytestmark = pytest.mark.django_db
S = ProfileVersion.Status


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_owner_drafts_saves_and_submits(provider, provider_owner):
    client = api(provider_owner)
    response = client.post(f"/api/v1/registry/providers/{provider.pk}/profile-versions/")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["edit_version"] == 0 and body["completeness"]["share"] == "0.00"
    pk = body["id"]
    response = client.patch(f"/api/v1/registry/profile-versions/{pk}/sections/apps/",
                            {"edit_version": 0, "data": [{"name": "MES", "category": "bogus"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["edit_version"] == 1
    assert {p["path"] for p in response.json()["problems"]} >= {"apps.0.category"}
    stale = client.patch(f"/api/v1/registry/profile-versions/{pk}/sections/apps/", {"edit_version": 0, "data": []},
                         format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    response = client.post(f"/api/v1/registry/profile-versions/{pk}/submit/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "profile_invalid" and response.json()["problems"]
    ProfileVersion.objects.filter(pk=pk).update(document=profile_document())
    response = client.post(f"/api/v1/registry/profile-versions/{pk}/submit/", {"reason": "首次"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    refused = client.patch(f"/api/v1/registry/profile-versions/{pk}/sections/apps/",
                           {"edit_version": response.json()["edit_version"], "data": []}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "submitted"


def test_nul_bytes_and_bad_sections_answer_400(provider, provider_owner):
    client = api(provider_owner)
    pk = client.post(f"/api/v1/registry/providers/{provider.pk}/profile-versions/").json()["id"]
    response = client.patch(f"/api/v1/registry/profile-versions/{pk}/sections/facts/",
                            {"edit_version": 0, "data": {"summary": "a\u0000b"}}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "nul"
    response = client.patch(f"/api/v1/registry/profile-versions/{pk}/sections/nope/", {"edit_version": 0, "data": []},
                            format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_section"


def test_scoping(provider, provider_owner, provider_viewer, other_provider_owner, other_district_staff,
                 district_staff):
    version = submitted_profile(provider, provider_owner)
    for user, code in ((provider_viewer, 200), (district_staff, 200), (other_provider_owner, 404),
                       (other_district_staff, 404)):
        assert api(user).get(f"/api/v1/registry/profile-versions/{version.pk}/").status_code == code
        assert api(user).get(f"/api/v1/registry/providers/{provider.pk}/profile-versions/").status_code == code
    assert api(provider_viewer).post(f"/api/v1/registry/profile-versions/{version.pk}/withdraw/").status_code == 403
    assert api(provider_viewer).post(f"/api/v1/registry/providers/{provider.pk}/profile-versions/").status_code == 403
    decision = {"decision": "approve", "note": "", "expected_state": version.edit_version}
    assert api(other_district_staff).post(f"/api/v1/registry/profile-versions/{version.pk}/decision/", decision,
                                          format="json").status_code == 404
    assert api(other_district_staff).get("/api/v1/registry/profile-approvals/").json()["count"] == 0
    assert api(district_staff).get("/api/v1/registry/profile-approvals/").json()["count"] == 1
    assert api(provider_owner).get("/api/v1/registry/profile-approvals/").status_code == 403
    assert api(provider_owner).post(f"/api/v1/registry/profile-versions/{version.pk}/decision/", decision,
                                    format="json").status_code == 403


def test_staff_decide_once_and_the_client_confirms(provider, provider_owner, district_staff, city_staff):
    enterprise = EnterpriseFactory()
    owner = MembershipFactory(enterprise=enterprise, role="owner").user
    document = profile_document()
    document["cases"][0]["client_uscc"] = enterprise.uscc
    version = submitted_profile(provider, provider_owner, document=document)
    decision = {"decision": "approve", "note": "同意", "expected_state": version.edit_version}
    response = api(district_staff).post(f"/api/v1/registry/profile-versions/{version.pk}/decision/", decision,
                                        format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"
    again = api(city_staff).post(f"/api/v1/registry/profile-versions/{version.pk}/decision/", decision, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert Listing.objects.get(provider=provider).version_id == version.pk
    rows = api(owner).get("/api/v1/registry/case-confirmations/").json()["results"]
    assert [r["provider"] for r in rows] == [provider.pk]
    confirmation = CaseConfirmation.objects.get()
    assert api(provider_owner).post(f"/api/v1/registry/case-confirmations/{confirmation.pk}/decision/",
                                    {"decision": "confirm"}, format="json").status_code == 404
    response = api(owner).post(f"/api/v1/registry/case-confirmations/{confirmation.pk}/decision/",
                               {"decision": "confirm"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "confirmed"
    assert Listing.objects.get(provider=provider).verified_case_count == 1


def test_schema_describes_the_profile_endpoints(provider_owner):
    response = api(provider_owner).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/registry/providers/{provider_pk}/profile-versions/",
                 "/api/v1/registry/profile-versions/{id}/sections/{section}/",
                 "/api/v1/registry/profile-versions/{id}/decision/", "/api/v1/registry/case-confirmations/"):
        assert any(p.replace("{pk}", "{id}") == path for p in paths), path


def test_a_published_version_is_never_patched_in_place(provider, provider_owner):
    from tests.factories.providers import published_profile

    version = published_profile(provider, actor=provider_owner)
    response = api(provider_owner).patch(f"/api/v1/registry/profile-versions/{version.pk}/sections/new_tech/",
                                         {"edit_version": version.edit_version, "data": []}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "published"
    assert "new draft" in response.json()["detail"] or "新建草稿" in response.json()["detail"]
    version.refresh_from_db()
    assert version.document["new_tech"] == ["ai", "5g"]
