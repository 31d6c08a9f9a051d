"""The public programme API: open programmes with their rules in words and provisional flags; drafts
and unknown codes are 404."""

import pytest

from tests.subsidies.factories import programme_from_seed

pytestmark = pytest.mark.django_db


def test_public_programme_api(client, city_staff):
    programme_from_seed("dg-cloud-voucher", creator=city_staff)
    programme_from_seed("sz-interest-subsidy", status="draft", creator=city_staff)
    body = client.get("/api/v1/subsidies/programmes/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["code"] == "dg-cloud-voucher" and row["provisional"] is True and row["budget_total"] == "10000000.00"
    share = next(p for p in row["params"] if p["name"] == "share")
    assert share["provisional"] is True and share["confidence"]
    assert row["conditions"] and row["formula"]
    assert client.get("/api/v1/subsidies/programmes/dg-cloud-voucher/").json()["version"] == 1
    missing = client.get("/api/v1/subsidies/programmes/sz-interest-subsidy/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
