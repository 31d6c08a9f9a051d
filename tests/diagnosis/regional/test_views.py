"""The regional pages: who may see what (404 outside the jurisdiction), the k rule outside it and on
the public page, the drill-down, the audited export, and the home card."""

import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from portal.extensions import home_cards
from portal.models import AuditEvent
from tests.diagnosis.regional.conftest import BAOAN_TOTAL, YEAR
from tests.factories.portal import region

pytestmark = pytest.mark.django_db


def _blocks(response):
    assert response.status_code == 200, response.status_code
    return {block["table"].key: block["table"] for block in response.context["blocks"]}


def _cells(table):
    return [cell for row in table.rows for cell in row]


def _drill(district, division="18", category="smart_manufacturing"):
    return f"/regional/demand/firms/?district={district.pk}&division={division}&category={category}&year={YEAR}"


def test_district_staff_see_their_district_against_city_and_province(login, district_staff, districts):
    tables = _blocks(login(district_staff).get(f"/regional/?year={YEAR}"))
    assert [row[0].split("（")[0] for row in tables["index"].rows] == ["龙华区", "深圳市", "广东省"]
    assert tables["index"].rows[0][1:3] == [Decimal("62.5"), 6]


def test_a_district_officer_asking_for_another_district_gets_404(login, district_staff, districts):
    client = login(district_staff)
    baoan = region("440306")
    assert client.get(f"/regional/?region={baoan.pk}").status_code == 404
    assert client.get(f"/regional/slices/?region={baoan.pk}").status_code == 404
    assert client.get(f"/regional/export/index/?region={baoan.pk}").status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_type="portal.region",
                                     object_id=str(baoan.pk)).exists()


def test_drill_down_lists_the_firms_to_their_district_staff_only(login, district_staff, other_district_staff,
                                                                   districts):
    baoan = region("440306")
    client = login(other_district_staff)
    response = client.get(_drill(baoan))
    assert response.status_code == 200
    assert [firm.name for firm in response.context["page"]] == sorted(f.name for f in districts["baoan"])
    assert AuditEvent.objects.filter(action="regional.demand_drilldown", actor=other_district_staff).exists()
    # Bao'an's officer may not open Longhua's cell, nor Longhua's officer Bao'an's.
    assert client.get(_drill(region("440309"), "39", "digital_management")).status_code == 404
    assert login(district_staff).get(_drill(baoan)).status_code == 404


def test_city_staff_drill_into_every_district_of_their_city(login, city_staff, districts):
    response = login(city_staff).get(_drill(region("440306")))
    assert len(response.context["page"]) == 3


def test_cells_outside_the_jurisdiction_under_five_enterprises_are_withheld_and_rolled_up(
        login, district_staff, districts):
    tables = _blocks(login(district_staff).get(f"/regional/slices/?year={YEAR}"))
    industry = tables["slice-industry"]
    by_group = {row[0].split(" ")[0]: row for row in industry.rows}
    # Shenzhen's division 18 rests on Bao'an's 3 firms: withheld; with it the smallest shown cell (34,
    # 6 firms), so the roll-up reaches 5 and subtraction gives nothing away.
    assert by_group["18"][3:5] == ["—", "<5"]
    assert by_group["34"][3] == "—"
    assert by_group["39"][3:5] == [Decimal("62.5"), 6]
    rollup = industry.rows[-1]
    assert rollup[0] == "其他（样本不足5家）" and rollup[4] == 9
    assert BAOAN_TOTAL.quantize(Decimal("0.1")) not in _cells(industry)


def test_own_jurisdiction_is_never_suppressed(login, other_district_staff, districts):
    # Bao'an's officer sees Bao'an's 3 firms with their mean.
    tables = _blocks(login(other_district_staff).get(f"/regional/?year={YEAR}"))
    assert tables["index"].rows[0][1:3] == [BAOAN_TOTAL.quantize(Decimal("0.1")), 3]


def test_the_public_page_is_anonymous_and_shows_aggregates_only(client, districts):
    cache.clear()
    response = client.get(f"/regional/public/?year={YEAR}")
    tables = _blocks(response)
    content = response.content.decode()
    for firms in districts.values():
        for firm in firms:
            assert firm.name not in content and firm.uscc not in content
    assert "/enterprises/" not in content and "/regional/export/" not in content
    districts_table = tables["public-districts"]
    labels = [row[0] for row in districts_table.rows]
    # Bao'an's 3 firms alone would be under 5: the roll-up takes the smallest shown district too
    # (Nanshan: 6 firms like Longhua, first by code).
    assert labels == ["深圳市 · 龙华区", "其他（样本不足5家）"]
    assert districts_table.rows[-1][0] == "其他（样本不足5家）" and districts_table.rows[-1][2] == 9
    assert BAOAN_TOTAL.quantize(Decimal("0.1")) not in _cells(districts_table)


def test_the_public_figures_are_cached(client, districts, django_assert_max_num_queries):
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        client.get(f"/regional/public/?year={YEAR}")
    with django_assert_max_num_queries(len(first) - 3):  # the aggregates do not run again
        assert client.get(f"/regional/public/?year={YEAR}").status_code == 200


def test_pages_are_for_bureau_staff(client, login, owner, expert, districts):
    assert client.get("/regional/").status_code == 302  # anonymous: to the login page
    assert login(owner).get("/regional/").status_code == 403
    assert login(expert).get("/regional/demand/").status_code == 403


def test_bad_input_never_fails(login, district_staff, districts):
    client = login(district_staff)
    for query in ("region=abc", "year=99999", "spec=nope", "region=999999"):
        assert client.get(f"/regional/?{query}").status_code in (200, 404)
    assert client.get("/regional/demand/firms/?district=x&category=zzz").status_code == 404
    assert client.get("/regional/export/nope/").status_code == 404


def test_every_table_exports_watermarked_and_audited(login, district_staff, districts):
    client = login(district_staff)
    for key in ("index", "levels", "dimensions", "trend", "change", "slice-industry", "slice-park", "demand"):
        response = client.get(f"/regional/export/{key}/?year={YEAR}")
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert district_staff.username in sheet.cell(row=1, column=1).value
        event = AuditEvent.objects.filter(action="data.export").latest("pk")
        assert event.actor_id == district_staff.pk and event.object_type == f"diagnosis.regional.{key}"
        assert event.detail["filters"]["year"] == YEAR


def test_the_exported_slice_withholds_what_the_page_withholds(login, district_staff, districts):
    response = login(district_staff).get(f"/regional/export/slice-industry/?year={YEAR}")
    values = [c for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
              for c in row]
    assert "其他（样本不足5家）" in values
    assert float(BAOAN_TOTAL.quantize(Decimal("0.1"))) not in values


def test_home_card_for_bureau_staff_only(district_staff, owner):
    assert "diagnosis-regional" in [card.key for card in home_cards(district_staff)]
    assert "diagnosis-regional" not in [card.key for card in home_cards(owner)]


def test_city_staff_see_every_district_and_may_open_one(login, city_staff, districts):
    client = login(city_staff)
    tables = _blocks(client.get(f"/regional/?year={YEAR}"))
    names = [row[0] for row in tables["index"].rows]
    assert names[-2:] == ["深圳市", "广东省"] and {"龙华区", "南山区", "宝安区"} <= set(names)
    # Inside the city everything shows, Bao'an's 3 firms included.
    assert tables["index"].rows[names.index("宝安区")][1:3] == [BAOAN_TOTAL.quantize(Decimal("0.1")), 3]
    tables = _blocks(client.get(f"/regional/?year={YEAR}&region={region('440306').pk}"))
    assert [row[0] for row in tables["index"].rows] == ["宝安区", "深圳市", "广东省"]
    assert client.get(f"/regional/?region={region('441900').pk}").status_code == 404  # Dongguan: not theirs


def test_exports_are_rate_limited_with_the_others(login, district_staff, districts, monkeypatch):
    from diagnosis.review import services as services_review

    monkeypatch.setattr(services_review, "EXPORTS_PER_HOUR", 1)
    client = login(district_staff)
    assert client.get(f"/regional/export/index/?year={YEAR}").status_code == 200
    response = client.get(f"/regional/export/slice-park/?year={YEAR}")
    assert response.status_code == 302 and response["Location"].startswith("/regional/slices/?")
    assert AuditEvent.objects.filter(action="data.export").count() == 1
