"""The role × object matrix for organisations (docs/security.md R7): who lists what, who reads which
record, who may write. Out-of-scope objects answer 404, visible-but-read-only answers 403."""

import pytest
from rest_framework.test import APIClient

from portal.models import Enterprise, Provider

pytestmark = pytest.mark.django_db

# persona → (sees own-district enterprise, sees other-district enterprise, may write own enterprise)
MATRIX = {
    "owner": (True, False, True),
    "editor": (True, False, True),
    "teammate": (True, False, False),
    "outsider": (False, True, False),
    "provider_user": (False, False, False),
    "district_staff": (True, False, False),
    "other_district_staff": (False, True, False),
    "city_staff": (True, True, False),
    "other_city_staff": (False, False, False),
    "expert": (False, False, False),
    "system_admin": (False, False, False),
    "security_admin": (False, False, False),
    "audit_admin": (False, False, False),
}


@pytest.fixture
def world(enterprise, other_enterprise, owner, editor, teammate, outsider, provider_user, district_staff,
          other_district_staff, city_staff, other_city_staff, expert, system_admin, security_admin, audit_admin):
    return locals()


@pytest.mark.parametrize("persona", MATRIX)
def test_enterprise_queryset_scope(world, persona):
    user = world[persona]
    sees_own, sees_other, _write = MATRIX[persona]
    visible = set(Enterprise.objects.visible_to(user).values_list("pk", flat=True))
    expected = {world["enterprise"].pk} if sees_own else set()
    expected |= {world["other_enterprise"].pk} if sees_other else set()
    assert visible == expected


@pytest.mark.parametrize("persona", MATRIX)
def test_enterprise_api_matrix(world, persona):
    user = world[persona]
    sees_own, sees_other, may_write = MATRIX[persona]
    api = APIClient()
    api.force_authenticate(user)
    own, other = world["enterprise"], world["other_enterprise"]

    listed = {row["id"] for row in api.get("/api/v1/enterprises/").json()["results"]}
    assert listed == ({own.pk} if sees_own else set()) | ({other.pk} if sees_other else set())

    assert api.get(f"/api/v1/enterprises/{own.pk}/").status_code == (200 if sees_own else 404)
    assert api.get(f"/api/v1/enterprises/{other.pk}/").status_code == (200 if sees_other else 404)

    response = api.patch(f"/api/v1/enterprises/{own.pk}/", {"chain": "模具产业链"}, format="json")
    assert response.status_code == (200 if may_write else 403 if sees_own else 404)
    own.refresh_from_db()
    assert (own.chain == "模具产业链") is may_write


@pytest.mark.parametrize("persona", MATRIX)
def test_enterprise_pages_matrix(world, persona, login):
    user = world[persona]
    sees_own, _sees_other, may_write = MATRIX[persona]
    client = login(user)  # the real sign-in, with the TOTP step for staff
    own = world["enterprise"]
    assert client.get(f"/enterprises/{own.pk}/").status_code == (200 if sees_own else 404)
    expected_edit = 200 if may_write else 403 if sees_own else 404
    assert client.get(f"/enterprises/{own.pk}/edit/").status_code == expected_edit


def test_mass_assignment_is_ignored(owner, enterprise):
    api = APIClient()
    api.force_authenticate(owner)
    response = api.patch(f"/api/v1/enterprises/{enterprise.pk}/",
                         {"status": "rejected", "uscc": "91440300708461136T", "chain": "x"}, format="json")
    assert response.status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.status == "verified"
    assert enterprise.uscc != "91440300708461136T"


def test_provider_scope(provider_user, city_staff, owner):
    provider = Provider.objects.get(memberships__user=provider_user)
    assert list(Provider.objects.visible_to(provider_user)) == [provider]
    assert list(Provider.objects.visible_to(city_staff)) == [provider]  # 南山区 lies in 深圳市
    assert list(Provider.objects.visible_to(owner)) == []
