"""The leads pages by persona: the enterprise's owner, its viewer, an outsider, the provider's
owner and viewer, another provider, district staff and other-district staff; and bad input:
nothing changes on a refusal."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.exceptions import DomainError
from portal.models import AuditEvent, Notification
from providers.leads import services
from providers.models import Lead
from tests.factories.diagnosis import scored_assessment

pytestmark = pytest.mark.django_db


def _snapshot():
    return list(Lead.objects.order_by("pk").values())


def _request_url(assessment, solution):
    return reverse("providers:lead-request", args=[assessment.pk, solution.pk])


def _step(lead, action, version=None, **data):
    return {"action": action, "state_version": lead.state_version if version is None else version, **data}


# ─── the enterprise asks ────────────────────────────────────────────────────────────────────────


def test_url_name_and_args_are_the_published_ones(assessment, solution):
    assert _request_url(assessment, solution) == f"/registry/leads/request/{assessment.pk}/{solution.pk}/"


def test_consent_page_shows_exactly_the_summary(client, owner, assessment, solution):
    client.force_login(owner)
    response = client.get(_request_url(assessment, solution))
    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["spec_code"] == assessment.spec_code
    assert set(summary) == {"enterprise", "spec_code", "spec_version", "spec_title", "year", "total", "max_total",
                            "verified", "grade", "weak_dimensions", "needs"}
    assert summary["weak_dimensions"], "a weak assessment shares its weak dimensions"
    body = response.content.decode()
    for dimension in summary["weak_dimensions"]:
        assert dimension["title"] in body
    assert 'name="consent"' in body
    assert not Lead.objects.exists()


def test_owner_requests_with_consent(client, owner, assessment, solution, pool_provider, provider_owner):
    client.force_login(owner)
    response = client.post(_request_url(assessment, solution), {"consent": "on"})
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.enterprise_id, lead.provider_id, lead.stage) == (assessment.enterprise_id, pool_provider.pk,
                                                                  "requested")
    assert lead.solution_key == solution.key and lead.solution_title == solution.title
    assert lead.consented_by == owner and lead.consent_version
    assert lead.summary["weak_dimensions"]
    assert lead.targeted_dimensions  # the solution's sme-2024 item → its dimension
    assert Notification.objects.filter(user=provider_owner, kind="lead.requested").exists()
    assert AuditEvent.objects.filter(action="lead.request", object_id=str(lead.pk)).exists()


def test_no_consent_no_lead(client, owner, assessment, solution):
    client.force_login(owner)
    response = client.post(_request_url(assessment, solution), {})
    assert response.status_code == 422
    assert "consent" in response.content.decode().lower() or "同意" in response.content.decode()
    assert not Lead.objects.exists()


def test_viewer_sees_but_cannot_request(client, teammate, assessment, solution):
    client.force_login(teammate)
    page = client.get(_request_url(assessment, solution))
    assert page.status_code == 200 and 'name="consent"' not in page.content.decode()
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 403
    assert not Lead.objects.exists()


def test_outsider_and_unknown_ids_get_404(client, outsider, owner, assessment, solution):
    client.force_login(outsider)
    assert client.get(_request_url(assessment, solution)).status_code == 404
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("providers:lead-request", args=[assessment.pk, 999999])).status_code == 404
    assert client.get(reverse("providers:lead-request", args=[999999, solution.pk])).status_code == 404
    assert not Lead.objects.exists()


def test_staff_cannot_request_for_an_enterprise(login, district_staff, assessment, solution):
    client = login(district_staff)
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 404
    assert not Lead.objects.exists()


def test_provider_outside_the_pool_is_refused(client, owner, assessment, outside_solution):
    client.force_login(owner)
    response = client.post(_request_url(assessment, outside_solution), {"consent": "on"})
    assert response.status_code == 422
    assert "资源池" in response.content.decode() or "resource pool" in response.content.decode()
    assert not Lead.objects.exists()
    assert not Notification.objects.exists()


def test_a_suspended_or_expired_membership_does_not_serve(client, owner, assessment, solution, pool_provider):
    pool_provider.pool_memberships.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    client.force_login(owner)
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 422
    pool_provider.pool_memberships.update(valid_until=timezone.localdate() + dt.timedelta(days=9),
                                          status="suspended")
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 422
    assert not Lead.objects.exists()


def test_a_pool_of_another_district_does_not_serve(client, owner, assessment, solution, pool_provider):
    from portal.models import Region

    pool_provider.pool_memberships.first().pool.__class__.objects.update(region=Region.objects.get(code="440306"))
    client.force_login(owner)
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 422
    assert not Lead.objects.exists()


def test_duplicate_open_lead_is_409(client, owner, lead, assessment, solution):
    before = _snapshot()
    client.force_login(owner)
    response = client.post(_request_url(assessment, solution), {"consent": "on"})
    assert response.status_code == 409
    assert _snapshot() == before


def test_an_unscored_assessment_is_not_shared(client, owner, enterprise, solution):
    draft = scored_assessment(enterprise, user=owner, status="draft")
    client.force_login(owner)
    assert client.post(_request_url(draft, solution), {"consent": "on"}).status_code == 422
    assert not Lead.objects.exists()


# ─── the provider's inbox and pipeline ─────────────────────────────────────────────────────────


def test_provider_sees_its_lead_and_the_summary(client, provider_owner, lead):
    client.force_login(provider_owner)
    inbox = client.get(reverse("providers:lead-inbox"))
    assert inbox.status_code == 200 and lead.summary["enterprise"]["name"] in inbox.content.decode()
    detail = client.get(reverse("providers:lead-detail", args=[lead.pk]))
    assert detail.status_code == 200
    assert detail.context["summary"] == lead.summary


def test_other_provider_gets_404_and_an_empty_inbox(client, other_provider_owner, lead):
    client.force_login(other_provider_owner)
    assert client.get(reverse("providers:lead-detail", args=[lead.pk])).status_code == 404
    before = _snapshot()
    assert client.post(reverse("providers:lead-transition", args=[lead.pk]), _step(lead, "contact")).status_code == 404
    assert _snapshot() == before
    assert list(client.get(reverse("providers:lead-inbox")).context["leads"]) == []
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(lead.pk)).exists()


def test_enterprise_members_and_outsiders_cannot_open_the_provider_page(client, owner, outsider, lead):
    client.force_login(outsider)
    assert client.get(reverse("providers:lead-detail", args=[lead.pk])).status_code == 404
    client.force_login(owner)  # the enterprise's own lead, but not through the provider's page
    assert client.get(reverse("providers:lead-detail", args=[lead.pk])).status_code == 404
    assert client.get(reverse("providers:lead-inbox")).status_code == 403


def test_pipeline_runs_with_dates_and_amounts(client, provider_owner, owner, lead):
    client.force_login(provider_owner)
    url = reverse("providers:lead-transition", args=[lead.pk])
    today = timezone.localdate().isoformat()
    for action, extra in (("contact", {}), ("propose", {"amount": "180000"}), ("contract", {"amount": "165000.50"}),
                          ("deliver", {})):
        lead.refresh_from_db()
        assert client.post(url, _step(lead, action, day=today, **extra)).status_code == 302, action
    lead.refresh_from_db()
    assert lead.stage == "delivered" and lead.state_version == 4
    assert str(lead.proposal_amount) == "180000.00" and str(lead.contract_amount) == "165000.50"
    assert lead.contract_on == timezone.localdate()
    assert Notification.objects.filter(user=owner, kind="lead.deliver").exists()
    # the enterprise accepts the delivery
    client.force_login(owner)
    response = client.post(reverse("providers:lead-enterprise-step", args=[lead.pk]), _step(lead, "accept"))
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == "accepted" and lead.accepted_on == timezone.localdate()
    assert Notification.objects.filter(user=provider_owner, kind="lead.accept").exists()


def test_stale_transition_is_409_and_changes_nothing(client, provider_owner, lead):
    client.force_login(provider_owner)
    url = reverse("providers:lead-transition", args=[lead.pk])
    assert client.post(url, _step(lead, "contact")).status_code == 302
    before = _snapshot()
    response = client.post(url, _step(lead, "propose", version=0, amount="1000"))
    assert response.status_code == 409
    assert _snapshot() == before


def test_a_stage_jump_is_refused_with_a_clear_error(client, provider_owner, lead):
    client.force_login(provider_owner)
    before = _snapshot()
    response = client.post(reverse("providers:lead-transition", args=[lead.pk]), _step(lead, "contract", amount="9"))
    assert response.status_code == 422
    body = response.content.decode()
    assert "逐步推进" in body or "one step at a time" in body
    assert _snapshot() == before


@pytest.mark.parametrize("data", [
    {"amount": ""}, {"amount": "abc"}, {"amount": "-1"}, {"amount": "1.001"},
    {"amount": "5", "day": "2999-01-01"}, {"amount": "5", "day": "1999-01-01"}, {"amount": "5", "note": "a\x00b"},
    {"amount": "5", "day": "not-a-date"},
])
def test_bad_step_input_changes_nothing(client, provider_owner, lead, data):
    client.force_login(provider_owner)
    url = reverse("providers:lead-transition", args=[lead.pk])
    assert client.post(url, _step(lead, "contact")).status_code == 302
    lead.refresh_from_db()
    before = _snapshot()
    response = client.post(url, _step(lead, "propose", **data))
    assert response.status_code == 422
    assert _snapshot() == before


def test_the_provider_cannot_accept_its_own_delivery(client, provider_owner, lead):
    Lead.objects.filter(pk=lead.pk).update(stage="delivered", delivered_on=timezone.localdate())
    lead.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.transition(actor=provider_owner, lead=lead, side="provider", action="accept",
                            expected_version=lead.state_version)
    assert getattr(refused.value, "code", "") == "not_your_side"
    assert Lead.objects.get(pk=lead.pk).stage == "delivered"


def test_provider_viewer_reads_but_cannot_move(client, provider_viewer, lead):
    client.force_login(provider_viewer)
    assert client.get(reverse("providers:lead-detail", args=[lead.pk])).status_code == 200
    before = _snapshot()
    assert client.post(reverse("providers:lead-transition", args=[lead.pk]), _step(lead, "contact")).status_code == 403
    assert _snapshot() == before


# ─── withdrawal ───────────────────────────────────────────────────────────────────────────────


def test_withdrawal_hides_the_summary_and_stops_the_lead(client, owner, provider_owner, lead):
    client.force_login(owner)
    assert client.post(reverse("providers:lead-withdraw", args=[lead.pk])).status_code == 302
    lead.refresh_from_db()
    assert lead.withdrawn_at is not None and lead.withdrawn_by == owner and lead.stage == "closed"
    assert Notification.objects.filter(user=provider_owner, kind="lead.withdrawn").exists()
    client.force_login(provider_owner)
    detail = client.get(reverse("providers:lead-detail", args=[lead.pk]))
    body = detail.content.decode()
    assert detail.context["summary"] is None
    assert lead.summary["enterprise"]["name"] not in body
    for dimension in lead.summary["weak_dimensions"]:
        assert dimension["title"] not in body
    inbox = client.get(reverse("providers:lead-inbox")).content.decode()
    assert lead.summary["enterprise"]["name"] not in inbox
    before = _snapshot()
    response = client.post(reverse("providers:lead-transition", args=[lead.pk]), _step(lead, "contact"))
    assert response.status_code == 409
    assert _snapshot() == before


def test_withdrawal_is_the_enterprise_writers(client, teammate, outsider, provider_owner, lead):
    before = _snapshot()
    client.force_login(teammate)
    assert client.post(reverse("providers:lead-withdraw", args=[lead.pk])).status_code == 403
    client.force_login(outsider)
    assert client.post(reverse("providers:lead-withdraw", args=[lead.pk])).status_code == 404
    client.force_login(provider_owner)
    assert client.post(reverse("providers:lead-withdraw", args=[lead.pk])).status_code == 404
    assert _snapshot() == before


def test_withdrawing_twice_is_409(client, owner, lead):
    client.force_login(owner)
    client.post(reverse("providers:lead-withdraw", args=[lead.pk]))
    before = _snapshot()
    assert client.post(reverse("providers:lead-withdraw", args=[lead.pk])).status_code == 409
    assert _snapshot() == before


def test_after_withdrawal_a_new_request_is_possible(client, owner, lead, assessment, solution):
    client.force_login(owner)
    client.post(reverse("providers:lead-withdraw", args=[lead.pk]))
    assert client.post(_request_url(assessment, solution), {"consent": "on"}).status_code == 302
    assert Lead.objects.count() == 2


def test_my_requests_page(client, owner, teammate, lead):
    client.force_login(owner)
    page = client.get(reverse("providers:lead-mine"))
    assert page.status_code == 200 and lead.solution_title in page.content.decode()
    assert reverse("providers:lead-withdraw", args=[lead.pk]) in page.content.decode()
    client.force_login(teammate)
    page = client.get(reverse("providers:lead-mine")).content.decode()
    assert lead.solution_title in page and reverse("providers:lead-withdraw", args=[lead.pk]) not in page


# ─── bureau staff ─────────────────────────────────────────────────────────────────────────────


def test_district_staff_list_is_scoped_and_audited(login, district_staff, other_district_staff, lead):
    client = login(district_staff)
    response = client.get(reverse("providers:lead-staff"))
    assert response.status_code == 200 and [row.pk for row in response.context["leads"]] == [lead.pk]
    assert AuditEvent.objects.filter(action="lead.staff_list_read", actor=district_staff).exists()
    assert lead.summary["enterprise"]["contact_phone"] not in response.content.decode() or \
        not lead.summary["enterprise"]["contact_phone"]
    client = login(other_district_staff)
    assert list(client.get(reverse("providers:lead-staff")).context["leads"]) == []
    # staff never reach a side's pages
    assert client.get(reverse("providers:lead-detail", args=[lead.pk])).status_code == 404


def test_non_staff_cannot_open_the_regional_list(client, owner, provider_owner, lead):
    for user in (owner, provider_owner):
        client.force_login(user)
        assert client.get(reverse("providers:lead-staff")).status_code == 403


def test_staff_cannot_move_a_lead(district_staff, lead):
    with pytest.raises(DomainError) as refused:
        services.transition(actor=district_staff, lead=lead, side="provider", action="contact", expected_version=0)
    assert getattr(refused.value, "code", "") == "forbidden"


def test_no_consent_form_where_a_request_would_be_refused(client, owner, assessment, outside_solution, lead,
                                                          solution):
    client.force_login(owner)
    outside = client.get(_request_url(assessment, outside_solution)).content.decode()
    assert 'name="consent"' not in outside and "资源池" in outside
    duplicate = client.get(_request_url(assessment, solution)).content.decode()
    assert 'name="consent"' not in duplicate and reverse("providers:lead-mine") in duplicate
