"""Importing a bureau's provider list from Excel: row errors in Chinese with row numbers, nothing
half-imported, idempotent by USCC, scoped to the importer's region, audited."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from portal.models import AuditEvent, OrgStatus, Provider
from providers.models import Listing, ListingCapability, ProfileVersion
from tests.factories.portal import ProviderFactory, make_uscc, region

pytestmark = pytest.mark.django_db

HEADER = ["统一社会信用代码", "名称", "所在区县", "能力领域", "联系人", "联系电话", "简介"]


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, content, name="名录.xlsx"):
    return client.post(reverse("providers:provider-import"), {"file": SimpleUploadedFile(name, content)},
                       HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.fixture
def staff_client(client, login, district_staff):
    login(district_staff)
    return client


def _rows():
    return [
        [make_uscc("440309"), "深圳市龙华导入一科技有限公司", "龙华区", "软件和模型开发:4、平台开发", "王五", "13800001111",
         "MES 实施"],
        [make_uscc("440309"), "深圳市龙华导入二科技有限公司", "440309", "安全防护", "", "", ""],
    ]


def test_import_creates_verified_providers_with_published_profiles(staff_client, district_staff):
    rows = _rows()
    response = _upload(staff_client, _xlsx(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    first = Provider.objects.get(uscc=rows[0][0])
    assert first.status == OrgStatus.VERIFIED and first.verified_by == district_staff
    assert first.region.code == "440309" and first.contact_name == "王五"
    listing = Listing.objects.get(provider=first)
    assert dict(ListingCapability.objects.filter(listing=listing).values_list("area", "level")) == {
        "software": 4, "platform": 2}
    assert listing.summary == "MES 实施"
    event = AuditEvent.objects.get(action="provider.import")
    assert event.actor == district_staff and sorted(event.detail["created"]) == sorted([r[0] for r in rows])


def test_reimport_is_idempotent_and_updates(staff_client):
    rows = _rows()
    _upload(staff_client, _xlsx(rows))
    _upload(staff_client, _xlsx(rows))
    assert Provider.objects.filter(uscc__in=[r[0] for r in rows]).count() == 2
    assert ProfileVersion.objects.filter(provider__uscc=rows[0][0]).count() == 1  # nothing changed: no new version
    rows[0][3] = "软件和模型开发:5"
    rows[0][1] = "深圳市龙华导入一科技股份有限公司"
    response = _upload(staff_client, _xlsx(rows))
    assert response.status_code == 302
    provider = Provider.objects.get(uscc=rows[0][0])
    assert provider.name == "深圳市龙华导入一科技股份有限公司"
    versions = ProfileVersion.objects.filter(provider=provider)
    assert list(versions.values_list("number", "status")) == [(2, "published"), (1, "superseded")]
    assert dict(ListingCapability.objects.filter(listing__provider=provider).values_list("area", "level")) == {
        "software": 5}
    assert Listing.objects.get(provider=provider).name == "深圳市龙华导入一科技股份有限公司"


def test_bad_rows_are_listed_in_chinese_with_row_numbers_and_nothing_is_written(staff_client):
    good = _rows()[0]
    bad_uscc = ["91440309ABCDEFGHIJ", "坏码公司", "龙华区", "软件和模型开发", "", "", ""]
    bad_area = [make_uscc("440309"), "未知领域公司", "龙华区", "区块链挖矿", "", "", ""]
    other_district = [make_uscc("440309"), "外区公司", "宝安区", "软件和模型开发", "", "", ""]
    duplicate = list(good)
    response = _upload(staff_client, _xlsx([good, bad_uscc, bad_area, other_district, duplicate]))
    assert response.status_code == 422
    page = response.content.decode()
    assert "第 3 行" in page and "第 4 行" in page and "第 5 行" in page and "第 6 行" in page
    assert "区块链挖矿" in page and "统一社会信用代码" in page
    assert "没有导入任何数据" in page or "未导入" in page
    assert not Provider.objects.filter(name__in=["深圳市龙华导入一科技有限公司", "未知领域公司"]).exists()
    assert not AuditEvent.objects.filter(action="provider.import").exists()


@pytest.mark.parametrize(("content", "name"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "名录.pdf"),
    (b"just,some,csv\n1,2,3\n", "名录.csv"),
    (b"", "empty.xlsx"),
])
def test_a_file_that_is_not_xlsx_is_refused(staff_client, content, name):
    response = _upload(staff_client, content, name)
    assert response.status_code == 422
    assert not Provider.objects.exists()


def test_missing_columns_are_named(staff_client):
    response = _upload(staff_client, _xlsx([["x", "y"]], header=["统一社会信用代码", "名称"]))
    assert response.status_code == 422
    page = response.content.decode()
    assert "所在区县" in page and "能力领域" in page


def test_a_provider_of_another_region_is_not_taken_over(staff_client):
    outsider = ProviderFactory(region=region("440306"))
    response = _upload(staff_client, _xlsx([[outsider.uscc, "改名公司", "龙华区", "软件和模型开发", "", "", ""]]))
    assert response.status_code == 422
    outsider.refresh_from_db()
    assert outsider.name != "改名公司" and outsider.region.code == "440306"


def test_import_needs_bureau_staff(client, login, owner):
    assert client.get(reverse("providers:provider-import")).status_code == 302
    login(owner)
    assert client.get(reverse("providers:provider-import")).status_code == 403
    assert _upload(client, _xlsx(_rows())).status_code == 403
    assert not Provider.objects.filter(name__startswith="深圳市龙华导入").exists()
