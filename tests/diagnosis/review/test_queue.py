"""The review queue: scoped by Assessment.objects.visible_to for every persona, filters that only
ever narrow the scoped set, sorting and pagination."""

from datetime import datetime

import pytest
from django.utils import timezone

from diagnosis.fill.services import assessment_start
from diagnosis.models import Assessment
from portal.models import Region
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(enterprise, owner, other_enterprise):
    """Submitted assessments in 龙华 (one in a park inside it), 宝安 and Dongguan, plus a draft,
    an approved and a returned one in 龙华."""
    park = EnterpriseFactory(region=region("440309P01"))
    dongguan = EnterpriseFactory(region=region("441900003"))
    return {
        "longhua": scored_assessment(enterprise),
        "park": scored_assessment(park),
        "baoan": scored_assessment(other_enterprise),
        "dongguan": scored_assessment(dongguan),
        "draft": assessment_start(enterprise=enterprise, actor=owner),
        "approved": scored_assessment(enterprise, status=Assessment.Status.APPROVED),
        "returned": scored_assessment(enterprise, status=Assessment.Status.RETURNED),
    }


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {row.pk for row in response.context["rows"]}


def _pks(world, *names) -> set[int]:
    return {world[name].pk for name in names}


@pytest.mark.parametrize(("persona", "expected"), [
    ("district_staff", ("longhua", "park")),
    ("other_district_staff", ("baoan",)),
    ("city_staff", ("longhua", "park", "baoan")),
    ("other_city_staff", ("dongguan",)),
])
def test_staff_see_submitted_assessments_of_their_jurisdiction(request, login, world, persona, expected):
    client = login(request.getfixturevalue(persona))
    assert _ids(client.get("/review/")) == _pks(world, *expected)


def test_other_statuses_are_a_filter_and_drafts_never_show(login, district_staff, world):
    client = login(district_staff)
    assert _ids(client.get("/review/?status=all")) == _pks(world, "longhua", "park", "approved", "returned")
    assert _ids(client.get("/review/?status=returned")) == _pks(world, "returned")
    assert client.get("/review/?status=draft").status_code == 400


def test_enterprise_users_are_refused(login, owner, world):
    assert login(owner).get("/review/").status_code == 403


def test_experts_are_sent_to_their_assignments(login, expert, world):
    response = login(expert).get("/review/")
    assert response.status_code == 302 and response["Location"] == "/review/assignments/"


def test_anonymous_visitors_must_sign_in(client, world):
    response = client.get("/review/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_city_staff_narrow_to_a_district_of_their_city(login, city_staff, world):
    client = login(city_staff)
    assert _ids(client.get(f"/review/?district={region('440306').pk}")) == _pks(world, "baoan")
    # The park lies inside 龙华: narrowing to the district keeps it.
    assert _ids(client.get(f"/review/?district={region('440309').pk}")) == _pks(world, "longhua", "park")


@pytest.mark.parametrize(("persona", "outside"), [
    ("district_staff", "440306"),  # another district of the same city
    ("city_staff", "441900003"),  # a district of another city
    ("other_city_staff", "440309"),
])
def test_a_district_outside_the_jurisdiction_is_refused_not_widened(request, login, world, persona, outside):
    client = login(request.getfixturevalue(persona))
    response = client.get(f"/review/?district={region(outside).pk}")
    assert response.status_code == 400
    assert response.context["rows"] == []


@pytest.mark.parametrize("query", [
    "district=999999", "district=abc", "status=all&district=", "sort=-total", "sort=enterprise&status=all",
    "spec=sme-2024@1.0&status=all", "industry=39&status=all", "level=none&status=all", "page=9999",
    "submitted_from=2000-01-01&status=all", "status=all&district=" + "1" * 30,
])
def test_no_query_widens_the_scoped_set(login, district_staff, world, query):
    client = login(district_staff)
    response = client.get(f"/review/?{query}")
    if response.status_code == 200:
        assert _ids(response) <= _pks(world, "longhua", "park", "approved", "returned")
    else:
        assert response.status_code == 400


def test_filters_by_standard_level_industry_and_date(login, district_staff, enterprise):
    weak = scored_assessment(EnterpriseFactory(industry_division="38"), best=False,
                             when=timezone.make_aware(datetime(2025, 3, 10, 9, 0)))
    strong = scored_assessment(enterprise)
    other_spec = scored_assessment(enterprise, spec_key="gbt23020-2013@1.0")
    client = login(district_staff)
    assert _ids(client.get("/review/?spec=gbt23020-2013@1.0")) == {other_spec.pk}
    assert _ids(client.get(f"/review/?level={weak.level}")) == {weak.pk}
    assert _ids(client.get("/review/?industry=38")) == {weak.pk}
    assert _ids(client.get("/review/?submitted_from=2025-03-10&submitted_to=2025-03-10")) == {weak.pk}
    assert weak.pk not in _ids(client.get("/review/?submitted_from=2025-03-11"))
    assert strong.pk in _ids(client.get("/review/?submitted_from=2025-03-11"))
    assert client.get("/review/?submitted_from=2025-03-11&submitted_to=2025-03-10").status_code == 400


def test_sorts_by_a_column_and_reverses(login, district_staff, enterprise):
    weak, strong = scored_assessment(enterprise, best=False), scored_assessment(enterprise)
    client = login(district_staff)
    ascending = [row.pk for row in client.get("/review/?sort=total").context["rows"]]
    descending = [row.pk for row in client.get("/review/?sort=-total").context["rows"]]
    assert ascending == [weak.pk, strong.pk] and descending == [strong.pk, weak.pk]
    # The current column's header link reverses it.
    assert 'href="?sort=-total"' in client.get("/review/?sort=total").content.decode()


def test_pages_hold_fifty_rows(login, district_staff, enterprise):
    for _n in range(51):
        scored_assessment(enterprise)
    client = login(district_staff)
    first = client.get("/review/")
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 51
    assert len(client.get("/review/?page=2").context["rows"]) == 1


def test_district_staff_are_not_offered_a_district_choice(login, district_staff, world):
    assert 'name="district"' not in login(district_staff).get("/review/").content.decode()


def test_city_staff_are_offered_the_districts_of_their_city(login, city_staff, world):
    offered = login(city_staff).get("/review/").context["form"].fields["district"].queryset
    assert list(offered) == list(Region.objects.filter(level="district", path__startswith="440000/440300/"))
