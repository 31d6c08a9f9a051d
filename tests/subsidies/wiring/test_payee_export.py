"""The disbursement batch's Excel file carries the payee's bank details for finance, with the
account and ID numbers masked (subsidies.integrity.selectors.masked_payee), never in clear."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.crypto import mask_account, mask_id, normalise
from subsidies.disbursement import services as pay
from subsidies.integrity import services as integrity
from subsidies.review import services as review
from tests.factories.subsidies import application_in, programme_version

pytestmark = pytest.mark.django_db

ACCOUNT = "6222 0212 3456 7890 123"
ID_NUMBER = "11010519491231002X"


def test_batch_export_shows_the_payee_masked_never_in_clear(client, login, enterprise, owner, district_staff):
    integrity.save_payee_account(organisation=enterprise, actor=owner, values={
        "legal_representative": "张三", "legal_representative_id": ID_NUMBER, "address": "深圳市南山区科技园1号",
        "bank_name": "中国银行深圳分行", "account_name": "测试公司", "account_number": ACCOUNT})
    version = programme_version()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    review.decide(application=app, actor=district_staff, expected_version=app.state_version)
    batch = pay.batch_create(version=version, actor=district_staff)
    login(district_staff)
    response = client.get(f"/subsidies/disbursement/{batch.pk}/export/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == batch.reference)
    assert row[1] == app.reference and Decimal(str(row[7])) == Decimal("20000.00")
    assert list(row[9:14]) == ["中国银行深圳分行", "测试公司", mask_account(ACCOUNT), "张三", mask_id(ID_NUMBER)]
    assert mask_account(ACCOUNT) != normalise(ACCOUNT) and "*" in mask_account(ACCOUNT)
    for clear in (ACCOUNT, normalise(ACCOUNT), ID_NUMBER, normalise(ACCOUNT)[4:-4], ID_NUMBER[3:-4]):
        assert not any(clear in cell for cell in cells)


def test_batch_export_without_a_payee_account_leaves_the_columns_empty(client, login, enterprise, owner,
                                                                       district_staff):
    version = programme_version()
    app = application_in(version, "in_notice", enterprise=enterprise, filed_by=owner)
    review.decide(application=app, actor=district_staff, expected_version=app.state_version)
    batch = pay.batch_create(version=version, actor=district_staff)
    login(district_staff)
    sheet = load_workbook(io.BytesIO(client.get(f"/subsidies/disbursement/{batch.pk}/export/").content)).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == batch.reference)
    assert all(cell in (None, "") for cell in row[9:14])
