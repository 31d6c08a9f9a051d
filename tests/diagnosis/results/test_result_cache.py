"""Issue #10 (result page cost): the benchmarks and the dimension and item tables are cached, and a
cached copy is never shown once the data behind it changed — a new peer, a re-scored peer or
assessment, an approval with corrections, another language."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from diagnosis.results.benchmarks import assessment_benchmarks
from diagnosis.results.cache import cached_benchmarks, radar_data
from diagnosis.results.charts import figure_data, radar
from diagnosis.review import services as services_review
from diagnosis.scoring import score
from diagnosis.spec import get_spec
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _peers(totals, owner):
    return [scored_assessment(EnterpriseFactory(), user=owner, total=D(t)) for t in totals]


def test_cached_benchmarks_equal_the_computed_ones_and_a_hit_costs_one_query(enterprise, owner,
                                                                            django_assert_num_queries):
    _peers(["10", "20", "30", "40", "60"], owner)
    own = scored_assessment(enterprise, user=owner, total=D("50"))
    first = cached_benchmarks(own)
    assert first == assessment_benchmarks(own)
    with django_assert_num_queries(1):  # the population's fingerprint only
        assert cached_benchmarks(own) == first


def test_a_new_peer_is_counted_at_once(enterprise, owner):
    _peers(["10", "20", "30", "40"], owner)
    own = scored_assessment(enterprise, user=owner, total=D("50"))
    before = cached_benchmarks(own)
    assert before.population == 5 and before.peers.percentile == D("90.0")
    _peers(["90"], owner)
    after = cached_benchmarks(own)
    assert after.population == 6 and after.peers.percentile == D("75.0")
    assert after == assessment_benchmarks(own)


def test_a_rescored_peer_changes_the_regional_mean_at_once(enterprise, owner):
    peers = _peers(["10", "20", "30", "40"], owner)
    own = scored_assessment(enterprise, user=owner, total=D("50"))
    assert cached_benchmarks(own).regions[0].index.mean == D("30.00")
    peers[0].total = D("60")
    peers[0].save()
    assert cached_benchmarks(own).regions[0].index.mean == D("40.00")


def test_radar_data_is_the_figure_and_a_fresh_copy(enterprise):
    labels, percents = ["甲", "乙", "丙"], [D("10"), D("50.5"), D("90")]
    data = radar_data(labels, percents, name="SME")
    assert data == figure_data(radar(labels, percents, name="SME"))
    data["layout"]["height"] = 1
    assert radar_data(labels, percents, name="SME")["layout"]["height"] == 420


def _points_cell(html, dimension_title):
    row = html.split(f"{dimension_title}</th>", 1)[1]
    return row.split("</td>", 1)[0]


def test_result_page_follows_a_rescoring(request, login, enterprise, owner):
    assessment = scored_assessment(enterprise, user=owner, best=False, normalise=True)
    client = login(owner)
    url = f"/assessments/{assessment.pk}/result/"
    spec = get_spec(assessment.spec_key)
    first = spec.dimensions[0]
    node = next(d for d in assessment.result["dimensions"] if d["code"] == first.code)
    html = client.get(url).content.decode()
    assert f"{node['points']} / {node['max_points']}" in _points_cell(html, first.title)
    # Re-scored from better answers (as a returned assessment re-submitted): the page shows the new points.
    better = scored_assessment(EnterpriseFactory(), user=owner, best=True, normalise=True)
    result = score(spec, better.submitted_answers, assessment.context)
    assessment.submitted_answers, assessment.result, assessment.total = (better.submitted_answers, result.to_dict(),
                                                                         result.total)
    assessment.save()
    new = next(d for d in assessment.result["dimensions"] if d["code"] == first.code)
    assert new["points"] != node["points"]
    html = client.get(url).content.decode()
    assert f"{new['points']} / {new['max_points']}" in _points_cell(html, first.title)


def test_result_page_shows_the_verified_result_once_approved(login, enterprise, owner, district_staff):
    assessment = scored_assessment(enterprise, user=owner, normalise=True, when=timezone.now() - timedelta(hours=1))
    client = login(owner)
    url = f"/assessments/{assessment.pk}/result/"
    html = client.get(url).content.decode()
    assert "<th scope=\"col\">自评</th>" not in html
    services_review.item_correct(assessment=assessment, actor=district_staff, item_code="network",
                                 value=["workshop-control"], reason="现场核查", expected_version=0)
    # An interim correction changes nothing the enterprise sees …
    assert "<th scope=\"col\">自评</th>" not in client.get(url).content.decode()
    services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1,
                                       comment="通过")
    # … the approval shows the verified tables (with the self-declared column) at once.
    html = login(owner).get(url).content.decode()
    assert "<th scope=\"col\">自评</th>" in html
    assessment.refresh_from_db()
    verified = assessment.verified_result["items"]
    network = next(row for row in verified if row["code"] == "network")
    assert f"{network['points']} / {network['max_points']}" in html.split(get_spec(assessment.spec_key)
                                                                         .items["network"].title + "</th>", 1)[1]


def test_cached_tables_follow_the_language(login, enterprise, owner):
    assessment = scored_assessment(enterprise, user=owner, normalise=True)
    client = login(owner)
    url = f"/assessments/{assessment.pk}/result/"
    spec = get_spec(assessment.spec_key)
    first = spec.dimensions[0]
    assert f"{first.title}</th>" in client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{first.title_en}</th>" in html and f"{first.title}</th>" not in html


def _order(html):
    import re

    return re.findall(r'<tr id="rec-([^"]+)">', html)


def test_saved_priorities_re_rank_the_cached_next_steps(login, enterprise, owner):
    from diagnosis.models import Assessment
    from diagnosis.results.context import build_result_context
    from diagnosis.results.roadmap import PRIORITY_CODES

    assessment = scored_assessment(enterprise, user=owner, best=False, normalise=True)
    client = login(owner)
    url = f"/assessments/{assessment.pk}/result/"
    before = _order(client.get(url).content.decode())
    assert before == [r.code for r in build_result_context(assessment).roadmap.recommendations]
    weights = {code: 5 if position == len(PRIORITY_CODES) - 1 else 0 for position, code in enumerate(PRIORITY_CODES)}
    assert client.post(f"/assessments/{assessment.pk}/priorities/", weights).status_code == 302
    assessment = Assessment.objects.with_enterprise().get(pk=assessment.pk)
    expected = [r.code for r in build_result_context(assessment).roadmap.recommendations]
    assert expected != before  # the weights do re-rank
    assert _order(client.get(url).content.decode()) == expected
