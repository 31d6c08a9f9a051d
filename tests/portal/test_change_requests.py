"""Issue #13 Major 5: a verified enterprise cannot move itself out of its bureau's jurisdiction.
A new name, USCC, district or park of a verified enterprise is a change request that the bureau
decides (the receiving district for a move, the current one otherwise); until then nothing moves.

Personas: the enterprise (龙华) with its owner, a teammate (viewer) and an outsider; staff of the
current district (龙华), of the receiving district (宝安), of a third district (南山), city staff."""

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from portal.changes.services import change_request_decide
from portal.exceptions import Conflict
from portal.models import AuditEvent, Enterprise, EnterpriseChangeRequest
from tests.factories.portal import StaffFactory, make_uscc, region

pytestmark = pytest.mark.django_db

BAOAN, LONGHUA, NANSHAN = "440306", "440309", "440305"


@pytest.fixture
def receiving_staff(db):
    return StaffFactory(staff_role="district_staff", region=region(BAOAN))


@pytest.fixture
def third_district_staff(db):
    return StaffFactory(staff_role="district_staff", region=region(NANSHAN))


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _move(owner, enterprise, to=BAOAN, **extra):
    return _api(owner).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"region": to, **extra}, format="json")


@pytest.fixture
def move_request(owner, enterprise):
    response = _move(owner, enterprise)
    assert response.status_code == 200, response.content
    return EnterpriseChangeRequest.objects.get(enterprise=enterprise)


# --- filing ----------------------------------------------------------------------------------------


def test_patching_the_region_of_a_verified_enterprise_files_a_request_and_moves_nothing(owner, enterprise):
    response = _move(owner, enterprise, chain="模具产业链")
    assert response.status_code == 200
    body = response.json()
    # The answer shows what is stored: the old district, the other field saved, the request pending.
    assert body["region"] == LONGHUA
    assert body["chain"] == "模具产业链"
    assert body["status"] == "verified"
    assert body["pending_change"]["status"] == "pending"
    assert body["pending_change"]["new_region"] == BAOAN
    assert body["pending_change"]["decide_region"] == BAOAN
    assert body["pending_change"]["changed_fields"] == ["region"]
    assert "宝安区" in body["pending_change"]["message"]
    enterprise.refresh_from_db()
    assert enterprise.region.code == LONGHUA and enterprise.chain == "模具产业链"
    change = EnterpriseChangeRequest.objects.get(enterprise=enterprise)
    assert change.status == "pending" and change.requested_by == owner
    event = AuditEvent.objects.get(action="enterprise.change_request")
    assert event.detail["before"]["region"] == LONGHUA and event.detail["after"]["region"] == BAOAN


def test_the_web_form_files_the_move_as_a_request_and_says_so(owner, enterprise, login):
    client = login(owner)
    page = client.get(f"/enterprises/{enterprise.pk}/edit/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"region": region(BAOAN).pk, "park": "", "employees": 150, "above_scale": ""})
    response = client.post(f"/enterprises/{enterprise.pk}/edit/", data, follow=True,
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    text = response.content.decode()
    assert "等待" in text and "宝安区" in text  # the message and the pending notice on the record page
    enterprise.refresh_from_db()
    assert enterprise.region.code == LONGHUA and enterprise.employees == 150
    assert EnterpriseChangeRequest.objects.get(enterprise=enterprise).new_region.code == BAOAN


def test_a_new_name_or_uscc_is_a_request_decided_by_the_current_district(owner, enterprise):
    uscc = make_uscc(LONGHUA)
    response = _api(owner).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"name": "新名称有限公司", "uscc": uscc},
                                 format="json")
    assert response.status_code == 200
    assert response.json()["name"] == enterprise.name and response.json()["uscc"] == enterprise.uscc
    change = EnterpriseChangeRequest.objects.get(enterprise=enterprise)
    assert change.changed_fields() == ["name", "uscc"]
    assert change.decide_region.code == LONGHUA


def test_a_bad_requested_value_is_refused_and_nothing_is_filed(owner, enterprise):
    response = _api(owner).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"uscc": "91440300708461136X"},
                                 format="json")
    assert response.status_code == 400
    response = _move(owner, enterprise, to="440300")  # a city is not a district
    assert response.status_code == 400
    assert not EnterpriseChangeRequest.objects.exists()


def test_an_unverified_enterprise_still_edits_its_district_directly(owner, enterprise):
    Enterprise.objects.filter(pk=enterprise.pk).update(status="pending")
    response = _move(owner, enterprise)
    assert response.status_code == 200
    assert response.json()["region"] == BAOAN and response.json()["pending_change"] is None
    enterprise.refresh_from_db()
    assert enterprise.region.code == BAOAN
    assert not EnterpriseChangeRequest.objects.exists()
    # …but only to a district or park, as before.
    assert _move(owner, enterprise, to="441900").status_code == 400


def test_one_pending_request_at_a_time(owner, enterprise, move_request):
    response = _move(owner, enterprise, to=NANSHAN)
    assert response.status_code == 409
    assert response.json()["code"] == "change_pending"
    assert EnterpriseChangeRequest.objects.count() == 1
    # Other fields still save while a request waits.
    assert _api(owner).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"chain": "x"}, format="json").status_code == 200
    with pytest.raises(IntegrityError), transaction.atomic():
        EnterpriseChangeRequest.objects.create(
            enterprise=enterprise, decide_region=region(LONGHUA), old_name="a", new_name="b",
            old_uscc=enterprise.uscc, new_uscc=enterprise.uscc, old_region=region(LONGHUA),
            new_region=region(LONGHUA))


def test_the_edit_form_locks_the_protected_fields_while_a_request_waits(owner, enterprise, move_request, login):
    client = login(owner)
    page = client.get(f"/enterprises/{enterprise.pk}/edit/")
    form = page.context["form"]
    assert form.fields["region"].disabled and form.fields["name"].disabled
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"region": region(NANSHAN).pk, "name": "别的名字", "above_scale": ""})
    assert client.post(f"/enterprises/{enterprise.pk}/edit/", data).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.region.code == LONGHUA and enterprise.name != "别的名字"
    assert EnterpriseChangeRequest.objects.count() == 1


# --- who sees a request ------------------------------------------------------------------------------


def test_the_enterprise_sees_its_request_and_outsiders_do_not(owner, teammate, outsider, move_request):
    url = f"/api/v1/change-requests/{move_request.pk}/"
    assert _api(owner).get(url).status_code == 200
    assert _api(teammate).get(url).status_code == 200
    assert _api(outsider).get(url).status_code == 404
    assert _api(outsider).get("/api/v1/change-requests/").json()["results"] == []


def test_only_the_receiving_districts_staff_see_a_move(move_request, receiving_staff, district_staff,
                                                        third_district_staff, city_staff, login):
    url = f"/api/v1/change-requests/{move_request.pk}/"
    assert _api(receiving_staff).get(url).status_code == 200
    assert [r["id"] for r in _api(receiving_staff).get("/api/v1/change-requests/?status=pending")
            .json()["results"]] == [move_request.pk]
    assert _api(city_staff).get(url).status_code == 200  # the city sees every district of it
    for staff in (district_staff, third_district_staff):
        assert _api(staff).get(url).status_code == 404
        assert _api(staff).get("/api/v1/change-requests/").json()["results"] == []
        assert _api(staff).post(f"{url}decision/", {"decision": "approve"}, format="json").status_code == 404
    client = login(third_district_staff)
    assert client.get(f"/staff/change-requests/{move_request.pk}/").status_code == 404
    assert client.post(f"/staff/change-requests/{move_request.pk}/", {"decision": "approve"}).status_code == 404
    client = login(receiving_staff)
    queue = client.get("/staff/change-requests/")
    assert queue.status_code == 200 and move_request.enterprise.name in queue.content.decode()
    assert client.get(f"/staff/change-requests/{move_request.pk}/").status_code == 200


def test_members_cannot_decide(owner, teammate, move_request, login):
    url = f"/api/v1/change-requests/{move_request.pk}/decision/"
    for user in (owner, teammate):
        assert _api(user).post(url, {"decision": "approve"}, format="json").status_code == 403
        assert login(user).get("/staff/change-requests/").status_code == 403
    move_request.refresh_from_db()
    assert move_request.status == "pending"


# --- deciding -----------------------------------------------------------------------------------------


def test_receiving_staff_approve_and_the_enterprise_moves(move_request, receiving_staff, district_staff, owner):
    response = _api(receiving_staff).post(f"/api/v1/change-requests/{move_request.pk}/decision/",
                                          {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    enterprise = Enterprise.objects.get(pk=move_request.enterprise_id)
    assert enterprise.region.code == BAOAN and enterprise.status == "verified"
    assert Enterprise.objects.visible_to(receiving_staff).filter(pk=enterprise.pk).exists()
    assert not Enterprise.objects.visible_to(district_staff).filter(pk=enterprise.pk).exists()
    event = AuditEvent.objects.get(action="enterprise.change_approve")
    assert event.actor == receiving_staff
    assert event.detail["before"]["region"] == LONGHUA and event.detail["after"]["region"] == BAOAN
    body = _api(owner).get(f"/api/v1/enterprises/{enterprise.pk}/").json()
    assert body["region"] == BAOAN and body["pending_change"] is None


def test_a_second_decision_answers_409(move_request, receiving_staff, city_staff, login):
    url = f"/api/v1/change-requests/{move_request.pk}/decision/"
    assert _api(receiving_staff).post(url, {"decision": "approve"}, format="json").status_code == 200
    again = _api(city_staff).post(url, {"decision": "reject", "reason": "不同意"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    client = login(receiving_staff)
    page = client.post(f"/staff/change-requests/{move_request.pk}/", {"decision": "approve"},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 409
    assert "已经" in page.content.decode() or "已" in page.content.decode()
    assert AuditEvent.objects.filter(action__startswith="enterprise.change_").exclude(
        action="enterprise.change_request").count() == 1


def test_a_stale_request_is_a_conflict(move_request, receiving_staff):
    Enterprise.objects.filter(pk=move_request.enterprise_id).update(name="被改过的名称")
    with pytest.raises(Conflict) as exc:
        change_request_decide(change_request=move_request, actor=receiving_staff, approve=True)
    assert exc.value.code == "stale_request"
    move_request.refresh_from_db()
    assert move_request.status == "pending"


def test_reject_needs_a_reason_and_the_enterprise_sees_the_outcome(move_request, receiving_staff, owner, login):
    url = f"/api/v1/change-requests/{move_request.pk}/decision/"
    assert _api(receiving_staff).post(url, {"decision": "reject"}, format="json").status_code == 400
    client = login(receiving_staff)
    assert client.post(f"/staff/change-requests/{move_request.pk}/", {"decision": "reject"}).status_code == 422
    response = client.post(f"/staff/change-requests/{move_request.pk}/",
                           {"decision": "reject", "reason": "营业执照地址仍在龙华区"})
    assert response.status_code == 302
    move_request.refresh_from_db()
    assert move_request.status == "rejected" and move_request.decided_by == receiving_staff
    enterprise = Enterprise.objects.get(pk=move_request.enterprise_id)
    assert enterprise.region.code == LONGHUA
    assert AuditEvent.objects.get(action="enterprise.change_reject").detail["reason"] == "营业执照地址仍在龙华区"
    page = login(owner).get(f"/enterprises/{enterprise.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "营业执照地址仍在龙华区" in page
    # Decided: the enterprise may file a new request.
    assert _move(owner, enterprise, to=NANSHAN).status_code == 200


def test_the_current_district_decides_a_new_name(owner, enterprise, district_staff, receiving_staff):
    _api(owner).patch(f"/api/v1/enterprises/{enterprise.pk}/", {"name": "深圳市新名称有限公司"}, format="json")
    change = EnterpriseChangeRequest.objects.get()
    url = f"/api/v1/change-requests/{change.pk}/decision/"
    assert _api(receiving_staff).post(url, {"decision": "approve"}, format="json").status_code == 404
    assert _api(district_staff).post(url, {"decision": "approve"}, format="json").status_code == 200
    enterprise.refresh_from_db()
    assert enterprise.name == "深圳市新名称有限公司"


def test_the_staff_home_has_the_change_request_card(district_staff, owner, login):
    assert 'data-home-card="portal-change-requests"' in login(district_staff).get("/").content.decode()
    assert 'data-home-card="portal-change-requests"' not in login(owner).get("/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_approving_at_once_decide_once(owner, enterprise, receiving_staff, city_staff):
    import threading

    from django.db import connection

    from portal.exceptions import DomainError

    _move(owner, enterprise)
    change = EnterpriseChangeRequest.objects.get()
    results, barrier = [], threading.Barrier(2)

    def decide(actor):
        try:
            barrier.wait()
            change_request_decide(change_request=change, actor=actor, approve=True)
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(u,)) for u in (receiving_staff, city_staff)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already_decided", "ok"]
