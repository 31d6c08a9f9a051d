"""Every refusal of the API has the body its schema documents (#13 security): `detail` and a stable
`code` for 400, 401, 403, 404, 405 and 429 alike, whichever layer refused (a service, the access
helper, DRF, Django's URL resolver); and every operation documents those answers."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

BASE = "/api/v1/assessments/"


def _refusal(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_404_from_the_access_helper_has_a_code(api, outsider, assessment):
    _refusal(api(outsider).get(f"{BASE}{assessment.pk}/"), 404, "not_found")


def test_404_for_a_path_the_api_does_not_have_has_a_code(api, owner):
    _refusal(api(owner).get(f"{BASE}not-a-number/"), 404, "not_found")
    _refusal(api(owner).get("/api/v1/nothing-here/"), 404, "not_found")


def test_404_for_a_page_past_the_end_has_a_code(api, owner, assessment):
    _refusal(api(owner).get(BASE, {"page": 99}), 404, "not_found")


def test_404_for_another_assessments_evidence_has_a_code(api, owner, assessment):
    _refusal(api(owner).get(f"{BASE}{assessment.pk}/evidence/999999/download/"), 404, "not_found")


def test_403_has_a_code(api, teammate, assessment):
    body = _refusal(api(teammate).put(f"{BASE}{assessment.pk}/answer/", {"item": "network", "value": ["x"],
                                                                          "version": 0}, format="json"),
                    403, "permission_denied")
    assert set(body) == {"detail", "code"}


def test_401_has_a_code(assessment):
    response = APIClient().get(f"{BASE}{assessment.pk}/")
    _refusal(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"].startswith("Token")


def test_a_wrong_password_for_a_token_has_a_code(owner):
    _refusal(APIClient().post("/api/v1/auth/token/", {"username": owner.username, "password": "nope"}),
             401, "authentication_failed")


def test_405_has_a_code(api, owner, assessment):
    _refusal(api(owner).delete(f"{BASE}{assessment.pk}/"), 405, "method_not_allowed")


def test_invalid_input_has_a_code_a_first_message_and_the_errors_by_field(api, owner, assessment):
    body = _refusal(api(owner).put(f"{BASE}{assessment.pk}/answer/", {"value": "x", "version": -1}, format="json"),
                    400, "invalid")
    assert set(body["errors"]) == {"item", "version"}
    assert body["detail"].startswith(("item: ", "version: "))


def test_an_unparsable_body_has_a_code(api, owner, assessment):
    response = api(owner).generic("PUT", f"{BASE}{assessment.pk}/answer/", "{not json",
                                  content_type="application/json")
    _refusal(response, 400, "parse_error")


def test_429_has_a_code(owner):
    cache.clear()
    client = APIClient()
    try:
        for _n in range(15):
            response = client.post("/api/v1/auth/token/", {"username": "x", "password": "y"},
                                   REMOTE_ADDR="198.51.100.9")
            if response.status_code == 429:
                break
        _refusal(response, 429, "throttled")
        assert int(response.headers["Retry-After"]) > 0
    finally:
        cache.clear()


def test_refusals_from_services_keep_their_own_code(api, owner, assessment):
    _refusal(api(owner).get(f"{BASE}{assessment.pk}/result/"), 404, "not_submitted")
    _refusal(api(owner).get(BASE, {"status": "AAA"}), 400, "unknown_filter_value")


def test_every_operation_documents_its_error_answers(api, owner):
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    error = schema["components"]["schemas"]["ApiError"]
    assert set(error["required"]) == {"detail", "code"}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method == "parameters":
                continue
            documented = set(operation["responses"])
            # 403 where signing in is required; a public operation ({} among its security options)
            # still answers 401 to a bad token, unless it reads no credentials at all (security [{}]).
            security = operation.get("security", [])
            expected = ({"400", "404"} | ({"401"} if any(security) else set())
                        | ({"403"} if {} not in security else set()))
            assert expected <= documented, (method, path, documented)
            if method in ("post", "put", "patch", "delete"):
                assert "409" in documented, (method, path)
            for status in expected:
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                ref = content["$ref"].rsplit("/", 1)[-1]
                assert {"detail", "code"} <= set(schema["components"]["schemas"][ref]["required"]), (path, status)
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert "429" in token


def test_415_has_a_code_and_is_documented_on_operations_with_a_body(api, owner, assessment):
    response = api(owner).generic("PUT", f"{BASE}{assessment.pk}/answer/", "item=x", content_type="text/plain")
    _refusal(response, 415, "unsupported_media_type")
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    assert "415" in schema["paths"]["/api/v1/assessments/{id}/answer/"]["put"]["responses"]


# Found by tests/test_api_schemathesis.py: answers that did not match their own schema.

def test_a_top_level_regions_parent_is_documented_as_nullable(api, owner):
    regions = api(owner).get("/api/v1/regions/").json()
    assert any(region["parent"] is None for region in regions)
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Region"]["properties"]["parent"]["nullable"] is True


def test_the_evidence_download_documents_the_types_it_serves(api, owner):
    schema = api(owner).get("/api/schema/", {"format": "json"}).json()
    content = schema["paths"]["/api/v1/assessments/{id}/evidence/{evidence_pk}/download/"]["get"]["responses"]["200"]
    assert {"application/pdf", "image/png", "image/jpeg"} <= set(content["content"])
