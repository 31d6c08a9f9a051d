"""From the pre-check to the application: each pre-check row links to the programme's public page,
which offers "Apply" only to a signed-in member of an enterprise the version is open to."""

import pytest

from tests.factories.portal import UserFactory
from tests.factories.subsidies import programme_version

pytestmark = pytest.mark.django_db

BANDS = {"bands": {"value": [{"lower": "0", "upper": None, "rate": "0.20", "cap": "500000"}],
                   "source": "test", "confidence": "V"}}


def _apply_href(version):
    return f'href="/subsidies/applications/apply/{version.pk}/"'


def test_the_programme_page_offers_apply_to_the_enterprise_only(client, login, enterprise, owner, outsider,
                                                                district_staff):
    # A district programme: the outsider's enterprise (another district) is not covered.
    version = programme_version(params=BANDS, region_code=enterprise.region.code)
    assert not outsider.memberships.get().enterprise.region.path.startswith(enterprise.region.path)
    url = f"/subsidies/programmes/p/{version.programme.code}/"
    anonymous = client.get(url)
    assert anonymous.status_code == 200 and _apply_href(version) not in anonymous.content.decode()
    for person, shown in ((owner, True), (outsider, False), (district_staff, False), (UserFactory(), False)):
        login(person)
        page = client.get(url)
        assert page.status_code == 200 and (_apply_href(version) in page.content.decode()) is shown, person


def test_closed_version_offers_no_apply(client, login, owner):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    version = programme_version(params=BANDS, opens=today + dt.timedelta(days=3),
                                closes=today + dt.timedelta(days=30))
    login(owner)
    page = client.get(f"/subsidies/programmes/p/{version.programme.code}/")
    assert page.status_code == 200 and _apply_href(version) not in page.content.decode()


def test_precheck_row_links_to_the_programme_page(client, login, enterprise, owner):
    from tests.factories.diagnosis import scored_assessment

    version = programme_version(params=BANDS)
    assessment = scored_assessment(enterprise, user=owner)
    login(owner)
    panel = client.get(f"/subsidies/precheck/assessment/{assessment.pk}/")
    assert panel.status_code == 200
    assert f'href="/subsidies/programmes/p/{version.programme.code}/"' in panel.content.decode()
