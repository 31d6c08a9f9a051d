"""Regional aggregates: which score counts (verified vs declared), the population, and the Longhua
figures the seeded demo data must give."""

from decimal import Decimal

import pytest

from diagnosis.models import Assessment
from diagnosis.regional import selectors
from diagnosis.spec import get_spec
from portal.demo_regional import seed_demo_enterprise, seed_regional
from tests.diagnosis.regional.conftest import SPEC_KEY, YEAR, counted
from tests.factories.portal import EnterpriseFactory, region

pytestmark = pytest.mark.django_db


def _index(code, year=YEAR):
    scope = region(code)
    areas = selectors.index_areas(scope, viewer_path=scope.path)
    return {a.key: cell for a, cell in zip(areas, selectors.index(get_spec(SPEC_KEY), year, areas), strict=True)}


def test_approved_assessments_count_with_the_verified_total_others_with_the_declared_one():
    firm = EnterpriseFactory(region=region("440309"))
    # Approved with a verified result: the verified total counts (50, not 70).
    counted(firm, Decimal("70"), status=Assessment.Status.APPROVED, verified_result={"total": "50.00"},
            verified_total=Decimal("50"))
    # Submitted, mid-review: a verified total is not final yet, the declared 60 counts.
    counted(EnterpriseFactory(region=region("440309")), Decimal("60"), verified_total=Decimal("99"),
            verified_result={"total": "99.00"})
    # Approved before verification existed (no verified result): the declared 80 counts.
    counted(EnterpriseFactory(region=region("440309")), Decimal("80"), status=Assessment.Status.APPROVED)
    # Returned and draft assessments are not counted at all.
    counted(EnterpriseFactory(region=region("440309")), Decimal("1"), status=Assessment.Status.RETURNED)
    counted(EnterpriseFactory(region=region("440309")), Decimal("1"), status=Assessment.Status.DRAFT)
    longhua = _index("440309")["440309"]
    assert (longhua.n, longhua.firms, longhua.mean) == (3, 3, Decimal("63.3"))
    scope = selectors.area(region("440309"), viewer_path="")
    assert selectors.verified_share(get_spec(SPEC_KEY), YEAR, scope) == (1, 3)


def test_lines_nest_district_city_province(districts):
    lines = _index("440309")
    assert list(lines) == ["440309", "440300", "440000"]
    assert [lines[k].firms for k in lines] == [6, 15, 15]
    assert lines["440309"].mean == Decimal("62.5")


def test_change_pairs_enterprises_assessed_in_both_years(districts):
    spec = get_spec(SPEC_KEY)
    counted(districts["longhua"][0], Decimal("50"), year=YEAR - 1)  # T1 was 60
    counted(districts["longhua"][1], Decimal("51"), year=YEAR - 1)  # T1 was 61
    scope = selectors.area(region("440309"), viewer_path="")
    (change,) = selectors.change(spec, YEAR, [scope])
    assert (change.after.n, change.before.mean, change.after.mean) == (2, Decimal("50.5"), Decimal("60.5"))


def test_seeded_demo_data_gives_the_longhua_shenzhen_and_guangdong_figures():
    counts = seed_regional(year=YEAR)
    assert counts.enterprises > 3000 and counts.needs > counts.enterprises
    lines = _index("440309")
    assert (lines["440309"].mean, lines["440300"].mean, lines["440000"].mean) == (
        Decimal("62.4"), Decimal("62.3"), Decimal("61.5"))
    assert lines["440309"].firms == 1640
    # Every seeded result is the engine's: the stored total is the result document's.
    sample = Assessment.objects.filter(year=YEAR, spec_code="gbt23020-2013").first()
    assert Decimal(sample.result["total"]) == sample.total
    # Official figures: most of them verified; the trend has last year too.
    scope = selectors.area(region("440309"), viewer_path="")
    verified, n = selectors.verified_share(get_spec(SPEC_KEY), YEAR, scope)
    assert n == 1640 and verified > 1200
    assert set(selectors.trend(get_spec(SPEC_KEY), [scope])) == {YEAR - 1, YEAR}
    # About 80 % of the stated needs fall in the first three categories.
    shares = selectors.demand(YEAR, scope)
    first_three = sum(n for _r, _d, c, n in shares if c in ("digital_management", "smart_manufacturing",
                                                               "networked_collaboration"))
    assert 0.72 < first_three / sum(n for *_x, n in shares) < 0.88
    # Idempotent: a second run adds nothing.
    assert seed_regional(year=YEAR).enterprises == 0
    assert _index("440309")["440309"].firms == 1640


def test_seed_demo_adds_the_regional_data_to_a_full_demo_only():
    # seed_demo passes its --enterprises: small runs (tests, quick checks) stay small.
    assert seed_regional(year=YEAR, generated=50).assessments == 0
    assert not Assessment.objects.exists()


def test_the_demo_enterprise_gets_an_approved_t0_and_a_returned_t1_it_can_revise(settings):
    from portal.demo import DEMO_ENTERPRISE_USCC, ensure_demo_accounts

    settings.DEMO_MODE = True
    ensure_demo_accounts()
    seed_demo_enterprise(YEAR)
    rows = {a.year: a for a in Assessment.objects.filter(enterprise__uscc=DEMO_ENTERPRISE_USCC)}
    assert rows[YEAR - 1].status == Assessment.Status.APPROVED and rows[YEAR - 1].verified_total is not None
    assert rows[YEAR].status == Assessment.Status.RETURNED and rows[YEAR].review_comment
    assert rows[YEAR].answers.count() == len(rows[YEAR].submitted_answers)
    seed_demo_enterprise(YEAR)  # idempotent
    assert Assessment.objects.filter(enterprise__uscc=DEMO_ENTERPRISE_USCC).count() == 2
