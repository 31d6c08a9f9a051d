"""The slice group pages (一行一策 / 一园一策 / 一链一策): one industry, park or chain beside its parent
region and the scope's every enterprise, the k rule outside the jurisdiction, 404 outside it, the
drill-down to the firms, the audited export, and the links from the slice tables."""

import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from diagnosis.models import RegionalCell
from portal.models import AuditEvent, Enterprise
from tests.diagnosis.regional.conftest import BAOAN_TOTAL, SPEC_KEY, YEAR
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db
CHAIN = "新一代电子信息产业链"


def _page(client, kind, key, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"year": YEAR, "key": quote(str(key)), **extra}.items())
    return client.get(f"/regional/policy/{kind}/?{query}")


def _tables(response):
    assert response.status_code == 200, response.status_code
    return {block["table"].key: block["table"] for block in response.context["blocks"]}


def test_an_industry_beside_the_same_industry_in_the_city_and_the_whole_district(login, district_staff, districts):
    tables = _tables(_page(login(district_staff), "industry", "39"))
    index = tables["policy-index"]
    assert [row[0] for row in index.rows] == [
        "本行业 · 龙华区", "本行业 · 深圳市", "全部企业 · 龙华区"]
    assert index.rows[0][1:3] == [Decimal("62.5"), 6]  # six Longhua firms scored 60…65
    assert index.rows[1][1:3] == [Decimal("62.5"), 6]
    assert index.rows[2][1:3] == [Decimal("62.5"), 6]
    assert set(tables) == {"policy-index", "policy-levels", "policy-dimensions", "policy-weakest", "policy-needs"}
    needs = tables["policy-needs"]
    assert needs.rows[[str(r[0]) for r in needs.rows].index("数字化管理")][1].startswith("6（")


def test_outside_the_jurisdiction_a_small_group_is_withheld_on_the_page_and_in_the_export(
        login, district_staff, districts):
    client = login(district_staff)
    response = _page(client, "industry", "18")  # three Bao'an firms: under k for Longhua's officer
    index = _tables(response)["policy-index"]
    assert index.rows[1][1:3] == ["—", "<5"]
    assert str(BAOAN_TOTAL.quantize(Decimal("0.1"))) not in response.content.decode()
    export = client.get(f"/regional/policy/industry/export/policy-index/?year={YEAR}&key=18")
    values = [c for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
    assert "<5" in values and not any(str(v).startswith("11.3") for v in values if v is not None)


def test_their_own_small_group_is_shown_to_its_district(login, other_district_staff, districts):
    index = _tables(_page(login(other_district_staff), "industry", "18"))["policy-index"]
    assert index.rows[0][1:3] == [BAOAN_TOTAL.quantize(Decimal("0.1")), 3]


def test_weakest_dimensions_and_items_come_from_the_results(login, district_staff, db):
    for i in range(5):
        firm = EnterpriseFactory(region=region("440309"), industry_division="39")
        scored_assessment(firm, spec_key=SPEC_KEY, year=YEAR, best=i % 2 == 0)
    weakest = _tables(_page(login(district_staff), "industry", "39"))["policy-weakest"]
    kinds = [row[1] for row in weakest.rows]
    assert kinds[:3] == ["维度"] * 3 and len(weakest.rows) > 3
    rates = [row[2] for row in weakest.rows[3:]]
    assert rates == sorted(rates) and all(Decimal(0) <= r <= Decimal(100) for r in rates)


def test_a_park_is_compared_with_its_district_and_city(login, district_staff, districts):
    park = region("440309P01")
    Enterprise.objects.filter(name__startswith="龙华测试").update(park=park)
    from django.core.management import call_command
    call_command("regional_rebuild", stdout=io.StringIO())  # update() bypasses the incremental hooks
    index = _tables(_page(login(district_staff), "park", park.pk))["policy-index"]
    assert [row[0] for row in index.rows] == ["九龙山数字城", "全部企业 · 龙华区", "全部企业 · 深圳市"]
    assert index.rows[0][1:3] == [Decimal("62.5"), 6]


def test_a_park_or_region_outside_the_jurisdiction_is_404_and_audited(login, district_staff, districts):
    client = login(district_staff)
    baoan_park = region("440306P01")
    assert _page(client, "park", baoan_park.pk).status_code == 404
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(baoan_park.pk)).exists()
    assert _page(client, "industry", "39", region=region("440306").pk).status_code == 404
    assert _page(client, "park", region("440306").pk).status_code == 404  # a district is no park


def test_bad_input_never_fails(login, district_staff, client, owner, districts):
    staff = login(district_staff)
    assert staff.get("/regional/policy/nope/?key=39").status_code == 404
    assert staff.get("/regional/policy/industry/").status_code == 404
    assert _page(staff, "industry", "99").status_code == 404
    assert _page(staff, "industry", "3\x009").status_code in (400, 404)
    assert _page(staff, "chain", "a" * 60).status_code == 404
    assert _page(staff, "park", "x").status_code == 404
    assert staff.get(f"/regional/policy/industry/export/index/?key=39&year={YEAR}").status_code == 404
    assert _page(staff, "industry", "39", year="abc").status_code == 200
    assert _page(login(owner), "industry", "39").status_code == 403


def test_a_chain_is_rolled_up_and_has_its_page(login, district_staff, districts):
    for firm in Enterprise.objects.filter(name__startswith="龙华测试"):
        firm.chain = CHAIN
        firm.save()  # the incremental hook moves the firms into the chain's cells
    cell = RegionalCell.objects.get(kind="chain", key=CHAIN, region=region("440309"), year=YEAR)
    assert (cell.n, cell.firms) == (6, 6)
    client = login(district_staff)
    tables = _tables(_page(client, "chain", CHAIN))
    assert tables["policy-index"].rows[0][1:3] == [Decimal("62.5"), 6]
    slices = client.get(f"/regional/slices/?year={YEAR}")
    chain_table = next(b["table"] for b in slices.context["blocks"] if b["table"].key == "slice-chain")
    links = [link for row in chain_table.linked_rows() for _value, link in row if link]
    assert links and "/regional/policy/chain/" in links[0] and quote(CHAIN) in links[0]


def test_slice_tables_link_to_the_group_pages(login, district_staff, districts):
    client = login(district_staff)
    response = client.get(f"/regional/slices/?year={YEAR}")
    assert "/regional/policy/industry/?" in response.content.decode()
    industry = next(b["table"] for b in response.context["blocks"] if b["table"].key == "slice-industry")
    links = {link for row in industry.linked_rows() for _value, link in row if link}
    assert any("key=39" in link for link in links)
    assert client.get(next(link for link in links if "key=39" in link)).status_code == 200


def test_the_group_firms_are_listed_to_the_district_and_audited(login, district_staff, districts):
    client = login(district_staff)
    response = client.get(f"/regional/policy/industry/firms/?year={YEAR}&key=39")
    assert response.status_code == 200
    assert [f.name for f in response.context["page"]] == sorted(f.name for f in districts["longhua"])
    assert AuditEvent.objects.filter(action="regional.slice_drilldown", actor=district_staff).exists()
    nobody = client.get(f"/regional/policy/industry/firms/?year={YEAR}&key=18")
    assert list(nobody.context["page"]) == []  # Bao'an's firms are not Longhua's to list


def test_every_group_table_exports_watermarked_and_audited(login, district_staff, districts):
    client = login(district_staff)
    for key in ("policy-index", "policy-levels", "policy-dimensions", "policy-weakest", "policy-needs"):
        response = client.get(f"/regional/policy/industry/export/{key}/?year={YEAR}&key=39")
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert district_staff.username in sheet.cell(row=1, column=1).value
        assert sheet.title.startswith("39 计算机、通信和其他电子设备制造业")
        event = AuditEvent.objects.filter(action="data.export").latest("pk")
        assert event.object_type == f"diagnosis.regional.{key}"
        assert event.detail["filters"]["key"] == "39" and event.detail["filters"]["kind"] == "industry"
