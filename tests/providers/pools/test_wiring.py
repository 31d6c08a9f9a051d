"""What the pools feature adds to the portal's pages: home cards per role, the staff landing line,
the menu link, and refusals in the audit trail."""

import pytest

from portal.extensions import home_cards, landing_lines
from portal.models import AuditEvent
from providers.models import ExpertScore
from providers.pools import services
from tests.factories.providers import applicant, application_in, member_of, open_pool

pytestmark = pytest.mark.django_db


def keys(user):
    return {card.key for card in home_cards(user)}


def test_landing_line_for_staff():
    texts = [str(line.text) for line in landing_lines()["staff"]]
    assert any("资源池" in text and "年度复核" in text for text in texts)


def test_staff_card_only_with_work(district_staff, other_district_staff):
    pool = open_pool(created_by=district_staff)
    assert "pools-staff" not in keys(district_staff)
    application_in(pool)
    assert "pools-staff" in keys(district_staff)
    assert "pools-staff" not in keys(other_district_staff)


def test_staff_card_for_due_rechecks(district_staff):
    member_of(open_pool(created_by=district_staff))
    assert "pools-staff" in keys(district_staff)


def test_expert_card_for_pending_sheets(district_staff, expert):
    application = application_in(open_pool(created_by=district_staff), "expert_review")
    assert "pools-expert" not in keys(expert)
    ExpertScore.objects.create(application=application, expert=expert, assigned_by=district_staff)
    assert "pools-expert" in keys(expert)


def test_provider_card_and_menu_link(login, owner):
    _provider, provider_owner = applicant()
    assert "pools-provider" in keys(provider_owner)
    assert "pools-provider" not in keys(owner)
    page = login(provider_owner).get("/").content.decode()
    assert 'href="/registry/pools/go/"' in page
    page = login(owner).get("/").content.decode()
    assert 'href="/registry/pools/go/"' not in page


def test_refused_staff_action_is_audited(district_staff, other_district_staff):
    application = application_in(open_pool(created_by=district_staff))
    with pytest.raises(Exception):  # noqa: B017,PT011 - any refusal; the audit row is what is checked
        services.form_check(application=application, actor=other_district_staff, outcome="pass", note="",
                            expected_version=0)
    event = AuditEvent.objects.get(action="pool.action_refused")
    assert event.outcome == "failure" and event.detail == {"action": "form_check", "reason": "forbidden"}
    assert event.object_id == str(application.pk)


def test_pages_speak_chinese(login, district_staff):
    pool = open_pool(created_by=district_staff)
    application = application_in(pool, "expert_review")
    client = login(district_staff)
    page = client.get(f"/registry/pools/applications/{application.pk}/").content.decode()
    assert "专家评分" in page and "暂定" in page and "指派专家" in page
    assert "软件和模型开发 L4" in page and "高新技术企业证书" in page  # the profile summary
    assert "资源池" in client.get("/registry/pools/manage/").content.decode()
    assert "年度复核" in client.get("/registry/pools/rechecks/").content.decode()
    assert "投诉" in client.get("/registry/pools/complaints/").content.decode()
