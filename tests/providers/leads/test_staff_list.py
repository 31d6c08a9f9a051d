"""The bureau's regional list of leads: paging (bad page numbers never 500) and the audited Excel
export — scoped to the staff's region like the list, without the name of an enterprise that
withdrew its consent, and only for bureau staff."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.models import AuditEvent
from providers.leads import services
from providers.models import Lead
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db

LIST_URL = "providers:lead-staff"
EXPORT_URL = "providers:lead-staff-export"


def _copies(lead, count, *, enterprise=None, **fields):
    """Closed leads like ``lead`` (closed: the one-open-lead-per-pair constraint does not apply)."""
    base = {"enterprise": enterprise or lead.enterprise, "provider": lead.provider, "assessment": lead.assessment,
            "solution_key": lead.solution_key, "solution_title": lead.solution_title, "summary": lead.summary,
            "consent_version": lead.consent_version, "consented_by": lead.consented_by,
            "consented_at": lead.consented_at, "stage": Lead.Stage.CLOSED, "closed_on": timezone.localdate()}
    return Lead.objects.bulk_create([Lead(**{**base, **fields}) for _ in range(count)])


def _sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


# ─── paging ─────────────────────────────────────────────────────────────────────────────────────


def test_the_list_pages_by_50(login, district_staff, lead):
    _copies(lead, 50)
    client = login(district_staff)
    first = client.get(reverse(LIST_URL))
    assert first.status_code == 200
    assert len(first.context["leads"]) == 50 and first.context["page"].paginator.num_pages == 2
    assert first.context["total"] == 51
    assert "?page=2" in first.content.decode()
    second = client.get(reverse(LIST_URL), {"page": 2})
    assert second.status_code == 200 and len(second.context["leads"]) == 1
    assert {row.pk for row in first.context["leads"]} | {row.pk for row in second.context["leads"]} == set(
        Lead.objects.values_list("pk", flat=True))
    assert AuditEvent.objects.filter(action="lead.staff_list_read", actor=district_staff,
                                     detail__page=2).exists()


@pytest.mark.parametrize("page", ["abc", "999", "0", "-1", "", "1.5"])
def test_a_bad_page_number_answers_200(login, district_staff, lead, page):
    _copies(lead, 50)
    response = login(district_staff).get(reverse(LIST_URL), {"page": page})
    assert response.status_code == 200 and len(response.context["leads"]) in (1, 50)


def test_the_list_links_to_the_export(login, district_staff, lead):
    response = login(district_staff).get(reverse(LIST_URL))
    assert reverse(EXPORT_URL) in response.content.decode()


# ─── export ─────────────────────────────────────────────────────────────────────────────────────


def test_export_holds_the_region_leads_and_is_audited(login, district_staff, lead):
    lead.contract_amount = 350000
    lead.save(update_fields=["contract_amount"])
    rows = _sheet(login(district_staff).get(reverse(EXPORT_URL)))
    assert len(rows) == 3  # watermark, header, one lead
    assert district_staff.username in rows[0][0]
    name, district, provider, solution, stage, withdrawn, requested, amount = rows[2]
    assert (name, district, provider, solution) == (lead.enterprise.name, lead.enterprise.region.name,
                                                    lead.provider.name, lead.solution_title)
    assert stage and withdrawn is None and requested is not None and amount == 350000
    event = AuditEvent.objects.get(action="data.export", actor=district_staff)
    assert event.object_type == "providers.lead" and event.detail["rows"] == 1
    assert event.detail["filters"]["region"]


def test_export_leaves_out_the_summary(login, district_staff, lead):
    content = _sheet(login(district_staff).get(reverse(EXPORT_URL)))
    cells = {str(value) for row in content for value in row if value is not None}
    summary = lead.summary["enterprise"]
    for private in (summary["contact_name"], summary["contact_phone"]):
        assert not private or private not in cells


def test_other_district_staff_export_none_of_this_district(login, district_staff, other_district_staff, lead):
    elsewhere = EnterpriseFactory(region=region("440306"))
    _copies(lead, 2, enterprise=elsewhere)
    rows = _sheet(login(other_district_staff).get(reverse(EXPORT_URL)))
    names = [row[0] for row in rows[2:]]
    assert names == [elsewhere.name, elsewhere.name] and lead.enterprise.name not in names
    rows = _sheet(login(district_staff).get(reverse(EXPORT_URL)))
    assert [row[0] for row in rows[2:]] == [lead.enterprise.name]


def test_a_withdrawn_lead_is_exported_without_the_enterprise_name(login, owner, district_staff, lead):
    services.withdraw_consent(actor=owner, lead=lead)
    rows = _sheet(login(district_staff).get(reverse(EXPORT_URL)))
    assert len(rows) == 3
    cells = [str(value) for row in rows for value in row if value is not None]
    assert not any(lead.enterprise.name in cell for cell in cells)
    assert rows[2][0] == "某企业（已撤回同意）" or rows[2][0] == "An enterprise (consent withdrawn)"
    assert rows[2][5] is not None  # the day of the withdrawal


def test_non_staff_cannot_export(client, owner, provider_owner, lead):
    for user in (owner, provider_owner):
        client.force_login(user)
        assert client.get(reverse(EXPORT_URL)).status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="data.export").exists()


def test_anonymous_is_sent_to_sign_in(client, lead):
    response = client.get(reverse(EXPORT_URL))
    assert response.status_code == 302 and "login" in response["Location"]


def test_exports_are_rate_limited(login, district_staff, lead, monkeypatch):
    monkeypatch.setattr(services, "EXPORTS_PER_HOUR", 1)
    client = login(district_staff)
    assert client.get(reverse(EXPORT_URL)).status_code == 200
    refused = client.get(reverse(EXPORT_URL))
    assert refused.status_code == 302 and refused["Location"] == reverse(LIST_URL)
    assert AuditEvent.objects.filter(action="data.export", actor=district_staff).count() == 1


def test_amounts_read_with_thousands_separators(login, district_staff, lead):
    """The contract amount on the staff list is grouped for reading (the Excel export keeps numbers)."""
    from decimal import Decimal

    Lead.objects.filter(pk=lead.pk).update(contract_amount=Decimal("1234567.50"))
    html = login(district_staff).get(reverse(LIST_URL)).content.decode()
    assert "1,234,567.50" in html
