"""Issue #13 Major 1: once the bureau approves an assessment with corrections, the enterprise sees
the verified result everywhere it sees a result — the result page (with the corrections, their
reasons and the bureau's comment), its list, the T0 → T1 comparison, the needs page and the API —
and the roadmap, needs and benchmarks are computed from it and say so. Before the approval an
interim correction changes nothing the enterprise sees."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from diagnosis.fill.questionnaire import describe_value
from diagnosis.models import Assessment
from diagnosis.results.benchmarks import assessment_benchmarks
from diagnosis.results.context import build_result_context, standing_result, verified_result
from diagnosis.review import services as services_review
from diagnosis.spec import get_spec
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory

pytestmark = pytest.mark.django_db

DECLARED, VERIFIED = "100.00", "94.00"  # best answers; the network corrected to the workshop only
REASON = "现场核查：仅车间网络"
COMMENT = "材料齐全，网络建设以现场为准"
VERIFIED_BASIS = "以下按审核核定结果计算"


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


def _correct(assessment, staff):
    services_review.item_correct(assessment=assessment, actor=staff, item_code="network",
                                 value=["workshop-control"], reason=REASON, expected_version=0)


@pytest.fixture
def approved(enterprise, owner, district_staff):
    assessment = scored_assessment(enterprise, user=owner, normalise=True,
                                   when=timezone.now() - timedelta(hours=1))
    _correct(assessment, district_staff)
    services_review.assessment_approve(assessment=assessment, actor=district_staff, expected_version=1,
                                       comment=COMMENT)
    assessment.refresh_from_db()
    assert (assessment.result["total"], assessment.verified_result["total"]) == (DECLARED, VERIFIED)
    return assessment


@pytest.fixture
def under_review(enterprise, owner, district_staff):
    """Corrected by a reviewer but not approved yet: the verified score is interim."""
    assessment = scored_assessment(enterprise, user=owner, normalise=True)
    _correct(assessment, district_staff)
    assessment.refresh_from_db()
    return assessment


def test_the_one_rule_takes_the_verified_result_only_once_approved(approved, under_review):
    assert verified_result(approved)["total"] == VERIFIED and standing_result(approved)["total"] == VERIFIED
    assert under_review.verified_result is not None  # stored, but interim
    assert verified_result(under_review) is None and standing_result(under_review)["total"] == DECLARED


def test_the_result_page_shows_the_verified_result_with_corrections_and_comment(login, owner, approved):
    response = login(owner).get(f"/assessments/{approved.pk}/result/")
    html = response.content.decode()
    assert response.context["result"]["total"] == VERIFIED
    assert f'<p class="stat" id="standing-total">{VERIFIED}' in html
    assert f"自评：{DECLARED}" in html  # the self-declared total stays beside it
    assert "审核意见：" + COMMENT in html
    correction = response.context["corrections"][0]
    assert correction.item.code == "network" and correction.reason == REASON
    network = get_spec(approved.spec_key).items["network"]
    assert correction.verified_answer == describe_value(network, ["workshop-control"])
    assert correction.declared_answer == describe_value(network, approved.submitted_answers["network"])
    assert correction.declared_answer in html and correction.verified_answer in html and REASON in html
    assert html.count(VERIFIED_BASIS) == 2  # the benchmarks and the roadmap say what they use


def test_the_roadmap_and_needs_work_from_the_verified_answers(login, owner, approved):
    # The self-declared answers score the maximum: only the correction leaves room to improve.
    shared = build_result_context(approved)
    assert "network" in {r.code for r in shared.roadmap.recommendations}
    declared = scored_assessment(approved.enterprise, normalise=True)
    assert "network" not in {r.code for r in build_result_context(declared).roadmap.recommendations}
    response = login(owner).get(f"/assessments/{approved.pk}/needs/")
    suggested = {code for card in response.context["cards"] for code in card["suggested"]}
    assert "network" in suggested
    assert "以下列出的薄弱题项按审核核定结果计算" in response.content.decode()


def test_an_interim_correction_changes_nothing_the_enterprise_sees(login, owner, under_review):
    response = login(owner).get(f"/assessments/{under_review.pk}/result/")
    html = response.content.decode()
    assert response.context["result"]["total"] == DECLARED and not response.context["corrections"]
    assert VERIFIED_BASIS not in html and REASON not in html


def test_the_list_shows_the_verified_score(login, owner, approved, under_review):
    html = login(owner).get("/assessments/").content.decode()
    assert f'{VERIFIED} <span class="badge verified">核定</span>' in html
    assert html.count(f"{VERIFIED} <span") == 1  # the one under review still shows its own score


def test_the_comparison_counts_an_approved_assessment_with_its_verified_result(login, owner, approved):
    later = scored_assessment(approved.enterprise, user=owner, normalise=True)
    response = login(owner).get(f"/assessments/{later.pk}/compare/")
    comparison = response.context["comparison"]
    assert comparison.total_before == Decimal(VERIFIED) and comparison.total_after == Decimal(DECLARED)
    assert comparison.total_change == Decimal("6.00")
    network = next(d for d in comparison.items if d.code == "network")
    assert network.change > 0
    assert "审核通过的评估按审核核定结果计算" in response.content.decode()


def test_the_api_names_both_scores(api, owner, approved):
    client = api(owner)
    listed = client.get("/api/v1/assessments/").json()["results"][0]
    assert (listed["score_basis"], listed["total"], listed["declared_total"], listed["verified_total"]) == (
        "verified", VERIFIED, DECLARED, VERIFIED)
    assert listed["level"] == approved.verified_level and listed["declared_level"] == approved.level
    for url in (f"/api/v1/assessments/{approved.pk}/", f"/api/v1/assessments/{approved.pk}/result/"):
        data = client.get(url).json()
        assert data["total"] == VERIFIED and data["declared_total"] == DECLARED
        assert data["result"]["total"] == VERIFIED and data["declared_result"]["total"] == DECLARED
        assert data["verified_result"]["total"] == VERIFIED
        assert data["review"]["comment"] == COMMENT
        assert data["review"]["corrections"] == [{
            "item": "network", "declared_value": approved.submitted_answers["network"],
            "verified_value": ["workshop-control"], "reason": REASON}]


def test_the_api_shows_no_interim_verified_score(api, owner, under_review):
    data = api(owner).get(f"/api/v1/assessments/{under_review.pk}/result/").json()
    assert (data["score_basis"], data["total"], data["verified_total"]) == ("self_declared", DECLARED, None)
    assert data["verified_result"] is None and data["review"] is None


def test_benchmarks_count_approved_assessments_with_their_verified_total(approved):
    others = EnterpriseFactory.create_batch(4)
    for other, total in zip(others, ("95", "96", "97", "98"), strict=True):
        scored_assessment(other, total=Decimal(total))
    own = Assessment.objects.select_related("enterprise").get(pk=approved.pk)
    benchmarks = assessment_benchmarks(own)
    # 94 is the lowest of five (with its self-declared 100 it would be the highest: 90.0).
    assert benchmarks.peers.percentile == Decimal("10.0")
    district = benchmarks.regions[0]
    assert district.index.n == 5 and district.index.mean == Decimal("96.00")  # (94+95+96+97+98) / 5
