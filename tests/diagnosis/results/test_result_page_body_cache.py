"""Issue #10 (result page cost): the result page's body is rendered once per viewer and versions
(portal/fragments.py) and never served after what it shows changed — the needs, the viewer's role,
a new peer — nor to another viewer; the matching panel shows inline once its body is ready, and
every form on a cached page carries a CSRF token that the server accepts."""

import re
from decimal import Decimal as D

import pytest
from django.test import Client

from diagnosis.models import Need
from diagnosis.results import services as services_results
from portal.fragments import csrf_placeholder
from portal.models import Membership
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _url(assessment):
    return f"/assessments/{assessment.pk}/result/"


def test_a_stated_need_shows_on_the_next_view(login, enterprise, owner):
    assessment = scored_assessment(enterprise, user=owner)
    client = login(owner)
    assert "尚未填报转型需求" in client.get(_url(assessment)).content.decode()
    services_results.need_save(assessment=assessment, actor=owner, category="digital_management",
                               description="打通ERP与MES的数据", item_codes=[], urgency=2, budget_wan=None)
    assert "打通ERP与MES的数据" in client.get(_url(assessment)).content.decode()
    Need.objects.filter(assessment=assessment).delete()
    assert "打通ERP与MES的数据" not in client.get(_url(assessment)).content.decode()


def test_a_changed_role_changes_what_the_viewer_is_offered(login, enterprise, owner, teammate):
    assessment = scored_assessment(enterprise, user=owner)
    client = login(teammate)
    assert 'id="priorities-form"' not in client.get(_url(assessment)).content.decode()
    membership = Membership.objects.get(user=teammate, enterprise=enterprise)
    membership.role = "editor"
    membership.save()
    html = client.get(_url(assessment)).content.decode()
    assert 'id="priorities-form"' in html


def test_a_body_is_never_served_to_another_viewer(login, enterprise, owner, teammate):
    assessment = scored_assessment(enterprise, user=owner)
    owner_html = login(owner).get(_url(assessment)).content.decode()
    assert 'id="priorities-form"' in owner_html
    teammate_html = login(teammate).get(_url(assessment)).content.decode()
    assert 'id="priorities-form"' not in teammate_html
    # The owner's name in the menu of a cached page is the signed-in user's own, never another's.
    assert f"（{owner.username}）" in owner_html and f"（{owner.username}）" not in teammate_html


def _benchmarks(html):
    return html.split('id="benchmarks"', 1)[1].split("</section>", 1)[0]


def test_a_new_peer_moves_the_cached_benchmarks(login, enterprise, owner):
    assessment = scored_assessment(enterprise, user=owner)
    client = login(owner)
    before = _benchmarks(client.get(_url(assessment)).content.decode())
    assert "共 1 家企业" in before
    for total in ("90", "91", "92", "93", "94"):
        scored_assessment(EnterpriseFactory(), user=owner, total=D(total))
    after = _benchmarks(client.get(_url(assessment)).content.decode())
    assert "共 6 家企业" in after


def test_forms_on_a_cached_page_carry_a_token_the_server_accepts(enterprise, owner):
    assessment = scored_assessment(enterprise, user=owner)
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get(_url(assessment))  # renders and caches the body
    html = client.get(_url(assessment)).content.decode()  # served from the cache
    assert csrf_placeholder() not in html
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens
    form = {"csrfmiddlewaretoken": tokens[-1], **dict.fromkeys(("cost", "quality", "delivery", "energy", "safety"), "3")}
    response = client.post(f"/assessments/{assessment.pk}/priorities/", form)
    assert response.status_code == 302


def test_the_matching_panel_shows_inline_once_its_body_is_ready(login, enterprise, owner):
    assessment = scored_assessment(enterprise, user=owner, best=False)
    client = login(owner)
    first = client.get(_url(assessment)).content.decode()
    panel_url = f"/registry/matching/assessments/{assessment.pk}/panel/"
    assert f'hx-get="{panel_url}"' in first
    panel = client.get(panel_url)
    assert panel.status_code == 200
    second = client.get(_url(assessment)).content.decode()
    assert f'hx-get="{panel_url}"' not in second
    assert panel.content.decode().strip()[:80] in second
