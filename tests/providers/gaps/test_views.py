"""The gap map on the regional dashboards: the counts behind each cell, who sees what (own districts in
full, others under the k rule, 404 on another district's drill-down, 403 for non-staff), the audited
export and bad input."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from portal.models import AuditEvent
from providers.gaps.analysis import Level
from providers.gaps.selectors import cell_providers, gap_table
from tests.factories.portal import region
from tests.providers.gaps.conftest import DM, SM

pytestmark = pytest.mark.django_db

SHENZHEN_DISTRICTS = 9  # 罗湖 福田 南山 宝安 龙岗 盐田 龙华 坪山 光明


def _panel(client, year, region_code=None):
    query = f"?year={year}" + (f"&region={region(region_code).pk}" if region_code else "")
    return client.get(f"/registry/gaps/panel/{query}")


def _cell(client, district_code, category, year):
    return client.get(f"/registry/gaps/cell/?district={region(district_code).pk}&category={category}&year={year}")


def _cells(response):
    assert response.status_code == 200, response.status_code
    return {(row["district"].code, s["cell"].category): s for row in response.context["rows"] for s in row["cells"]}


def test_the_table_counts_qualified_providers_serving_each_district(gap_data):
    shenzhen = region("440300")
    with CaptureQueriesContext(connection) as queries:
        gap_map = gap_table(shenzhen, gap_data["year"], viewer_path=shenzhen.path)
    # A handful of aggregate queries, whatever the number of firms and providers.
    assert len(queries) <= 8
    table = gap_map.table
    longhua, baoan, nanshan = (table.cell(code, SM) for code in ("440309", "440306", "440305"))
    assert (longhua.needs, longhua.providers, longhua.ratio) == (6, 2, Decimal("3.00"))
    assert (baoan.needs, baoan.providers, baoan.ratio) == (3, 1, Decimal("3.00"))
    assert (nanshan.needs, nanshan.providers, nanshan.level) == (0, 1, Level.NONE)
    average = next(a for a in table.averages if a.category == SM)
    # The city-wide member counts in each of the nine districts, the local one in Longhua.
    assert (average.needs, average.providers) == (9, SHENZHEN_DISTRICTS + 1)
    assert average.ratio == Decimal("0.90") and longhua.relative == Decimal("3.33")
    # Digital management: Nanshan's six firms and no provider with a matching area anywhere.
    assert table.cell("440305", DM).level == Level.UNCOVERED


def test_the_providers_behind_a_cell_are_the_qualified_ones_only(gap_data):
    names = [listing.name for listing in cell_providers(district=region("440309"), category=SM)]
    assert sorted(names) == ["全市智能硬件服务商", "龙华系统集成服务商"]
    assert [listing.name for listing in cell_providers(district=region("440306"), category=SM)] == ["全市智能硬件服务商"]


def test_district_staff_see_their_district_in_full_and_small_cells_elsewhere_withheld(login, district_staff, gap_data):
    response = _panel(login(district_staff), gap_data["year"])
    cells = _cells(response)
    longhua, baoan = cells[("440309", SM)], cells[("440306", SM)]
    assert longhua["needs"] == 6 and longhua["link"]
    # Bao'an's three firms are outside Longhua's jurisdiction: withheld, no drill-down, and the city
    # average of the category (which would give them away by subtraction) with them.
    assert baoan["cell"].withheld and baoan["needs"] == "<5" and baoan["link"] is None
    assert longhua["cell"].level == Level.UNRATED
    # Nanshan's six firms are enough to show, but never with a drill-down outside the jurisdiction.
    assert cells[("440305", DM)]["needs"] == 6 and cells[("440305", DM)]["link"] is None
    # The heat map draws the same cells: Bao'an's is withheld there too.
    figure = response.context["figure"]["data"][0]
    assert figure["type"] == "heatmap"
    texts = dict(zip(figure["y"], (row[figure["x"].index("智能化制造")] for row in figure["text"]), strict=True))
    assert texts["宝安区"] == "—" and texts["龙华区"].startswith("6／2")
    body = response.content.decode()
    assert f"district={region('440306').pk}" not in body
    assert "<5" in body or "&lt;5" in body


def test_city_staff_see_every_district_and_the_city_average(login, city_staff, gap_data):
    cells = _cells(_panel(login(city_staff), gap_data["year"]))
    baoan = cells[("440306", SM)]
    assert baoan["needs"] == 3 and baoan["link"] and not baoan["cell"].withheld
    assert cells[("440309", SM)]["cell"].relative == Decimal("3.33")


def test_the_drill_down_lists_firms_and_providers_to_the_districts_staff(login, district_staff, gap_data):
    response = _cell(login(district_staff), "440309", SM, gap_data["year"])
    assert response.status_code == 200
    assert sorted(f.name for f in response.context["page"]) == sorted(f.name for f in gap_data["firms"]["longhua"])
    assert sorted(p.name for p in response.context["providers"]) == ["全市智能硬件服务商", "龙华系统集成服务商"]
    assert AuditEvent.objects.filter(action="providers.gap_drilldown", actor=district_staff).exists()


def test_other_district_staff_get_404_on_the_drill_down_and_the_probe_is_audited(
        login, other_district_staff, district_staff, gap_data):
    client = login(other_district_staff)
    assert _cell(client, "440309", SM, gap_data["year"]).status_code == 404
    # Even with a malformed category, another district's cell is a 404 first.
    assert client.get(f"/registry/gaps/cell/?district={region('440309').pk}&category=nope&year=2026").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", actor=other_district_staff,
                                     object_id=str(region("440309").pk)).exists()
    assert _panel(client, gap_data["year"], "440309").status_code == 404
    # And Longhua's officer may not open Bao'an's.
    assert _cell(login(district_staff), "440306", SM, gap_data["year"]).status_code == 404


def test_city_staff_open_any_district_of_their_city(login, city_staff, gap_data):
    response = _cell(login(city_staff), "440306", SM, gap_data["year"])
    assert len(response.context["page"]) == 3


@pytest.mark.parametrize("url", ["/registry/gaps/panel/", "/registry/gaps/export/", "/registry/ecosystem/panel/",
                                 "/registry/gaps/cell/?district=1&category=smart_manufacturing&year=2026"])
@pytest.mark.parametrize("persona", ["owner", "provider_user", "expert"])
def test_non_bureau_users_are_refused_and_anonymous_users_sent_to_sign_in(request, login, client, url, persona,
                                                                          gap_data):
    assert client.get(url).status_code == 302
    assert login(request.getfixturevalue(persona)).get(url).status_code == 403


def test_the_export_is_audited_and_withholds_what_the_page_withholds(login, district_staff, gap_data):
    response = login(district_staff).get(f"/registry/gaps/export/?year={gap_data['year']}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "导出" in rows[0][0] or "Exported" in rows[0][0]  # the watermark
    baoan = next(r for r in rows if r[0] == "宝安区" and r[1] in ("智能化制造", "Smart manufacturing"))
    assert baoan[2] == "<5" and baoan[4] == "—"
    longhua = next(r for r in rows if r[0] == "龙华区" and r[1] in ("智能化制造", "Smart manufacturing"))
    assert longhua[2] == 6 and longhua[3] == 2
    event = AuditEvent.objects.get(action="data.export", actor=district_staff)
    assert event.object_type == "providers.gaps" and event.detail["rows"] == len(rows) - 2


@pytest.mark.parametrize("query", [
    "district={longhua}&category=unknown&year=2026",
    "district=abc&category=smart_manufacturing&year=2026",
    "district={longhua}&category=smart%00manufacturing&year=2026",
    "district=%00&category=smart_manufacturing&year=2026",
    "district={longhua}&category=smart_manufacturing&year=20%0026",
    "district={longhua}&category=smart_manufacturing",
])
def test_bad_drill_down_input_is_a_clear_400(login, district_staff, gap_data, query):
    response = login(district_staff).get("/registry/gaps/cell/?" + query.format(longhua=region("440309").pk))
    assert response.status_code == 400
    assert "message" in response.context and response.context["message"]


def test_an_unknown_district_is_404_and_a_city_is_not_a_cell(login, city_staff, gap_data):
    client = login(city_staff)
    assert client.get("/registry/gaps/cell/?district=99999999&category=smart_manufacturing&year=2026").status_code == 404
    assert _cell(client, "440300", SM, gap_data["year"]).status_code == 400


@pytest.mark.parametrize("query", ["region=%00", "year=abc", "region=-3", "year=%00"])
def test_bad_panel_and_export_input_is_a_clear_400(login, district_staff, gap_data, query):
    client = login(district_staff)
    for url in ("/registry/gaps/panel/", "/registry/gaps/export/", "/registry/ecosystem/panel/"):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
    assert not AuditEvent.objects.filter(action="data.export").exists()


def test_an_export_over_the_hourly_limit_is_refused_with_a_message_and_not_audited(login, district_staff, gap_data,
                                                                                   monkeypatch):
    from diagnosis.review import services as services_review

    monkeypatch.setattr(services_review, "EXPORTS_PER_HOUR", 0)
    response = login(district_staff).get(f"/registry/gaps/export/?year={gap_data['year']}", follow=True)
    assert response.redirect_chain and "/regional/demand/" in response.redirect_chain[-1][0]
    assert any("导出" in str(m) or "export" in str(m) for m in response.context["messages"])
    assert not AuditEvent.objects.filter(action="data.export").exists()


# --- open needs: accepted engagements cover them ------------------------------------------------------


def _lead(firm, provider, *, stage="accepted", areas=",smart_hardware,"):
    from django.utils import timezone

    from providers.models import Lead

    assessment = firm.assessments.get()
    user = assessment.created_by
    return Lead.objects.create(
        enterprise=firm, provider=provider, solution_key="k", solution_title="设备联网", solution_areas=areas,
        assessment=assessment, summary={}, consent_version="1", consented_by=user, consented_at=timezone.now(),
        stage=stage, accepted_on=timezone.localdate() if stage == "accepted" else None)


def test_without_accepted_engagements_the_needs_are_the_demand_maps(gap_data):
    from diagnosis.regional import selectors as regional

    shenzhen = region("440300")
    table = gap_table(shenzhen, gap_data["year"], viewer_path=shenzhen.path).table
    demand = regional.demand(gap_data["year"], regional.area(shenzhen, viewer_path=None))
    assert sum(c.needs for c in table.cells) == sum(n for *_key, n in demand) == 15


def test_an_accepted_engagement_in_an_area_of_the_category_closes_the_need(login, district_staff, gap_data):
    longhua_firms, provider = gap_data["firms"]["longhua"], gap_data["providers"]["citywide"]
    _lead(longhua_firms[0], provider)  # accepted, smart hardware: covers smart manufacturing
    _lead(longhua_firms[1], provider, stage="contract")  # not accepted yet: still open
    _lead(longhua_firms[2], provider, areas=",software,")  # accepted, but no area of the category
    shenzhen = region("440300")
    assert gap_table(shenzhen, gap_data["year"], viewer_path=shenzhen.path).table.cell("440309", SM).needs == 5
    response = _cell(login(district_staff), "440309", SM, gap_data["year"])
    names = {f.name for f in response.context["page"]}
    assert longhua_firms[0].name not in names and len(names) == 5
