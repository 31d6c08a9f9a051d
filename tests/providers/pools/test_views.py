"""The pool pages and API through the browser-facing stack: who sees what (404 outside the scope,
403 without the role), the whole journey by form posts, conflicts as 409, bad input never 500."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from providers.models import CaseConfirmation, ExpertScore, PoolApplication, PoolMember, Rating
from tests.factories.portal import MembershipFactory, region
from tests.factories.providers import applicant, application_in, member_of, open_pool

pytestmark = pytest.mark.django_db
GOOD = {"no_conflict": "on", "basic": "80", "capability": "85", "delivery": "75", "discount": "70", "comment": "良好"}


@pytest.fixture
def pool(district_staff):
    return open_pool(created_by=district_staff)


def url(name, *args):
    return reverse(f"providers:{name}", args=args)


def test_public_pages_for_anonymous(client, pool):
    application = application_in(pool, "notice", notice_starts=timezone.localdate(),
                                 notice_ends=timezone.localdate() + dt.timedelta(days=6))
    member_of(pool)
    assert client.get(url("pools")).status_code == 200
    page = client.get(url("pool-notice", pool.pk)).content.decode()
    assert application.provider.name in page and "/accounts/login/?next=" in page
    assert client.get(url("pool-members", pool.pk)).status_code == 200
    assert client.get(url("pool-notice", 999999)).status_code == 404
    assert client.get("/api/v1/registry/pools/").status_code == 200


def test_signed_in_user_objects_on_the_notice_page(login, outsider, pool):
    application = application_in(pool, "notice", notice_starts=timezone.localdate(),
                                 notice_ends=timezone.localdate() + dt.timedelta(days=6))
    client = login(outsider)
    response = client.post(url("pool-object", pool.pk, application.pk), {"text": "案例不实"})
    assert response.status_code == 302
    assert application.objections.count() == 1
    assert client.post(url("pool-object", pool.pk, application.pk), {"text": "again"}).status_code == 422
    assert client.post(url("pool-object", pool.pk, application.pk), {"text": ""}).status_code == 422


def test_staff_journey_through_the_pages(login, district_staff, city_staff, expert, pool):
    application = application_in(pool)
    client = login(district_staff)
    assert client.get(url("pool-manage")).status_code == 200
    detail = client.get(url("pool-detail", pool.pk)).content.decode()
    assert application.provider.name in detail
    page = client.get(url("pool-application", application.pk)).content.decode()
    assert page.index('id="scores"') < page.index('id="decision-title"')  # the decision after the information
    response = client.post(url("pool-application-check", application.pk),
                           {"outcome": "pass", "note": "", "state_version": 0})
    assert response.status_code == 302
    # the same form again is stale: 409, nothing changes
    stale = client.post(url("pool-application-check", application.pk), {"outcome": "pass", "state_version": 0})
    assert stale.status_code == 409
    assert client.post(url("pool-application-assign", application.pk),
                       {"expert": expert.pk, "state_version": 1}).status_code == 302
    sheet = ExpertScore.objects.get(application=application)
    expert_client = login(expert)
    tasks = expert_client.get(url("pool-tasks")).content.decode()
    assert application.provider.name in tasks
    assert "暂定" in expert_client.get(url("pool-sheet", sheet.pk)).content.decode()
    assert expert_client.post(url("pool-sheet-submit", sheet.pk), {**GOOD, "basic": "120"}).status_code == 422
    # No score without the declaration of no conflict of interest (回避声明).
    undeclared = {k: v for k, v in GOOD.items() if k != "no_conflict"}
    assert expert_client.post(url("pool-sheet-submit", sheet.pk), undeclared).status_code == 422
    assert expert_client.post(url("pool-sheet-submit", sheet.pk), GOOD).status_code == 302
    client = login(city_staff)  # the city bureau covers the district's pool (a TOTP code is not reusable)
    application.refresh_from_db()
    assert client.post(url("pool-application-notice", application.pk),
                       {"state_version": application.state_version}).status_code == 302
    application.refresh_from_db()
    assert application.status == "notice"
    page = client.get(url("pool-application", application.pk)).content.decode()
    assert "公示期尚未结束" in page or "notice" in page
    PoolApplication.objects.filter(pk=application.pk).update(notice_ends=timezone.localdate() - dt.timedelta(days=1))
    assert client.post(url("pool-application-decide", application.pk),
                       {"decision": "admit", "note": "", "state_version": application.state_version}).status_code == 302
    assert PoolMember.objects.filter(application=application, status="active").exists()


def test_conflicted_expert_gets_a_clear_refusal(login, district_staff, expert, pool):
    application = application_in(pool, "expert_review")
    sheet = ExpertScore.objects.create(application=application, expert=expert, assigned_by=district_staff)
    client = login(expert)
    assert client.post(url("pool-sheet-conflict", sheet.pk), {"note": "曾任顾问"}).status_code == 302
    response = client.post(url("pool-sheet-submit", sheet.pk), GOOD)
    # the sheet is closed after the declaration; the service refusal is a 403 with no write
    assert response.status_code == 403
    assert ExpertScore.objects.get(pk=sheet.pk).total is None


@pytest.mark.parametrize("persona", ["other_district_staff", "expert", "outsider", "provider_user"])
def test_others_do_not_see_the_review_page(login, pool, persona, request):
    application = application_in(pool)
    client = login(request.getfixturevalue(persona))
    response = client.get(url("pool-application", application.pk))
    assert response.status_code in (403, 404)
    if persona == "other_district_staff":
        assert response.status_code == 404
        assert client.get(url("pool-detail", pool.pk)).status_code == 404


def test_other_district_staff_cannot_decide_by_post(login, other_district_staff, pool):
    application = application_in(pool)
    response = login(other_district_staff).post(url("pool-application-check", application.pk),
                                                {"outcome": "pass", "state_version": 0})
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


def test_city_staff_see_district_pools(login, city_staff, pool):
    assert login(city_staff).get(url("pool-detail", pool.pk)).status_code == 200


def test_staff_create_and_open_a_pool(login, district_staff):
    client = login(district_staff)
    assert client.get(url("pool-create")).status_code == 200
    today = timezone.localdate()
    response = client.post(url("pool-create"), {
        "name": "龙华区2026服务商池", "region": region("440309").pk, "year": today.year, "criteria": "",
        "call_opens": today.isoformat(), "call_closes": (today + dt.timedelta(days=30)).isoformat(),
        "objection_days": 7, "validity_months": 36, "min_confirmed_clients": 3, "pass_score": "60"})
    assert response.status_code == 302
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    assert client.post(url("pool-status", pk, "open")).status_code == 302
    assert client.post(url("pool-status", pk, "open")).status_code == 422
    assert client.post(url("pool-status", pk, "bogus")).status_code == 404
    # a region outside the jurisdiction is not a choice
    response = client.post(url("pool-create"), {"name": "x", "region": region("440306").pk, "year": today.year,
                                                "call_opens": today, "call_closes": today, "objection_days": 7,
                                                "validity_months": 36, "min_confirmed_clients": 3,
                                                "pass_score": "60"})
    assert response.status_code == 422


def test_provider_applies_and_sees_status(login, pool):
    provider, owner = applicant()
    client = login(owner)
    assert client.get(url("pool-home"))["Location"] == url("pool-mine")
    page = client.get(url("pool-mine")).content.decode()
    assert pool.name in page
    assert client.get(url("pool-apply", pool.pk)).status_code == 200
    response = client.post(url("pool-apply", pool.pk), {"provider": provider.pk, "statement": "申请入库",
                                                        "discount_offer": "九折"})
    assert response.status_code == 302
    assert PoolApplication.objects.filter(provider=provider, pool=pool).exists()
    assert client.post(url("pool-apply", pool.pk), {"provider": provider.pk}).status_code == 409
    viewer = MembershipFactory(provider=provider, enterprise=None, role="viewer").user
    assert login(viewer).get(url("pool-apply", pool.pk)).status_code == 403


def test_provider_sees_suspension_and_appeals(login, district_staff, pool):
    provider, owner = applicant()
    member = member_of(pool, provider=provider)
    client = login(district_staff)
    assert client.get(url("pool-rechecks")).status_code == 200
    assert client.post(url("pool-recheck", member.pk), {"state_version": 0}).status_code == 302
    assert client.post(url("pool-recheck", member.pk), {"state_version": 0}).status_code == 409
    member.refresh_from_db()
    assert member.status == "suspended"
    page = login(owner).get(url("pool-mine")).content.decode()
    assert member.suspended_reason.splitlines()[0] in page
    assert login(owner).post(url("pool-appeal", member.pk), {"text": "已补充客户确认"}).status_code == 302


def test_enterprise_rates_and_complains(login, owner, enterprise, district_staff):
    provider, _provider_owner = applicant()
    client = login(owner)
    assert client.get(url("provider-rate", provider.pk)).status_code == 200
    assert client.post(url("provider-rate", provider.pk), {"enterprise": enterprise.pk, "score": 5}).status_code == 422
    CaseConfirmation.objects.create(provider=provider, case_key="k", enterprise=enterprise, status="confirmed")
    assert client.post(url("provider-rate", provider.pk), {"enterprise": enterprise.pk, "score": 5}).status_code == 302
    assert Rating.objects.filter(provider=provider).count() == 1
    assert client.post(url("provider-complain", provider.pk),
                       {"enterprise": enterprise.pk, "subject": "延期", "text": "延期三个月"}).status_code == 302
    assert client.get(url("provider-rate", 999999)).status_code == 404


def test_provider_members_cannot_rate(login, pool):
    provider, owner = applicant()
    assert login(owner).get(url("provider-rate", provider.pk)).status_code == 403


@pytest.mark.parametrize(("persona", "path"), [
    ("district_staff", "/registry/pools/applications/abc/"), ("expert", "/registry/pools/tasks/99999999/"),
    ("district_staff", "/registry/pools/manage/99999999/"), ("district_staff", "/registry/pools/members/9999999/recheck/"),
    ("outsider", "/registry/pools/99999999/apply/"), ("district_staff", "/api/v1/registry/pool-applications/9999999/")])
def test_unknown_ids_are_404(login, persona, path, request):
    client = login(request.getfixturevalue(persona))
    response = client.post(path) if "recheck" in path else client.get(path)
    assert response.status_code == 404


def test_nul_bytes_are_400(login, district_staff, pool):
    application = application_in(pool)
    client = login(district_staff)
    before = AuditEvent.objects.filter(action__startswith="pool_application.").count()
    response = client.post(url("pool-application-check", application.pk),
                           "outcome=pass&state_version=0&note=a%00b", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert AuditEvent.objects.filter(action__startswith="pool_application.").count() == before
    assert client.get(url("pool-manage") + "?q=a%00b").status_code == 400


def test_api_scoping(login, district_staff, other_district_staff, city_staff, expert, pool):
    application = application_in(pool)
    owner = application.submitted_by
    ids = lambda client: [row["id"] for row in client.get("/api/v1/registry/pool-applications/").json()["results"]]  # noqa: E731
    assert ids(login(owner)) == [application.pk]
    assert ids(login(district_staff)) == [application.pk]
    other = login(other_district_staff)
    assert ids(other) == []
    assert other.get(f"/api/v1/registry/pool-applications/{application.pk}/").status_code == 404
    sheet = ExpertScore.objects.create(application=application, expert=expert, assigned_by=district_staff)
    client = login(expert)
    assert [r["id"] for r in client.get("/api/v1/registry/score-sheets/").json()["results"]] == [sheet.pk]
    # submitted status: not in expert review, so the service refuses with 409
    response = client.post(f"/api/v1/registry/score-sheets/{sheet.pk}/submit/", GOOD, content_type="application/json")
    assert response.status_code == 409
    PoolApplication.objects.filter(pk=application.pk).update(status="expert_review")
    response = client.post(f"/api/v1/registry/score-sheets/{sheet.pk}/submit/", {**GOOD, "basic": "101"},
                           content_type="application/json")
    assert response.status_code == 400
    response = client.post(f"/api/v1/registry/score-sheets/{sheet.pk}/submit/", GOOD, content_type="application/json")
    assert response.status_code == 200 and response.json()["total"] == "78.75"
    assert login(city_staff).post(f"/api/v1/registry/score-sheets/{sheet.pk}/submit/", GOOD,
                                      content_type="application/json").status_code in (403, 404)


def test_staff_edit_a_pool(login, district_staff, other_district_staff, pool):
    client = login(district_staff)
    assert client.get(url("pool-edit", pool.pk)).status_code == 200
    today = timezone.localdate()
    values = {"name": "改名后的资源池", "year": today.year, "criteria": "两年以上", "call_opens": today,
              "call_closes": today + dt.timedelta(days=5), "objection_days": 10, "validity_months": 24,
              "min_confirmed_clients": 2, "pass_score": "70"}
    assert client.post(url("pool-edit", pool.pk), values).status_code == 302
    pool.refresh_from_db()
    assert (pool.name, pool.objection_days) == ("改名后的资源池", 10)
    assert client.post(url("pool-edit", pool.pk), {**values, "pass_score": "50"}).status_code == 422
    assert login(other_district_staff).post(url("pool-edit", pool.pk), values).status_code == 404
