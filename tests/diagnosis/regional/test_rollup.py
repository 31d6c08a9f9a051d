"""The regional roll-up (issue #12): after any mix of submissions, approvals, returns, resubmissions,
second assessments in a year and enterprise edits, the incrementally kept cells equal a rebuild from
scratch; the rebuild is idempotent; a bulk load that bypassed it makes the selectors read the base table."""

import io
import random
from decimal import Decimal

from django.core.management import call_command

from diagnosis.models import Assessment, RegionalCell
from diagnosis.regional import rollup, selectors
from diagnosis.review import services as services_review
from diagnosis.spec import get_spec
from tests.diagnosis.review.conftest import submit_through_services
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory, MembershipFactory, StaffFactory, region

SME = "sme-2024@1.0"


def cells():
    return sorted(RegionalCell.objects.values_list("spec_code", "spec_version", "year", "region_id", "kind", "key",
                                                   "n", "total_cents", "firms"))


def assert_rebuilt_equal():
    incremental = cells()
    call_command("regional_rebuild", stdout=io.StringIO())
    assert cells() == incremental
    call_command("regional_rebuild", stdout=io.StringIO())
    assert cells() == incremental


def test_random_submit_approve_return_sequences_equal_a_rebuild(db):
    rng = random.Random(12)
    staff = StaffFactory(staff_role="city_staff", region=region("440300"))
    firms = []
    for i, code in enumerate(("440309", "440305", "440309", "440306")):
        firm = EnterpriseFactory(region=region(code), industry_division=("39", "34")[i % 2])
        firms.append((firm, MembershipFactory(enterprise=firm, role="owner").user))
    open_ = [submit_through_services(firm, user) for firm, user in firms]
    for _step in range(12):
        assessment = Assessment.objects.get(pk=rng.choice(open_).pk)
        firm, user = next(f for f in firms if f[0].pk == assessment.enterprise_id)
        if assessment.status == Assessment.Status.SUBMITTED:
            action = rng.choice((services_review.assessment_approve, services_review.assessment_return))
            action(assessment=assessment, actor=staff, expected_version=assessment.review_version,
                   comment="请补充材料。")
        elif assessment.status == Assessment.Status.RETURNED:
            from diagnosis.fill.services import assessment_submit
            assessment_submit(assessment=assessment, actor=user, pledge=True)
        assert rollup.is_current("sme-2024", "1.0")
    # A second counted assessment in the same year counts the enterprise once; an edit moves its slice.
    firm = firms[0][0]
    scored_assessment(firm, spec_key=SME, total=Decimal("41.25"))
    firm.industry_division = "40"
    firm.save()
    assert_rebuilt_equal()
    # Joining an industry chain moves the enterprise into the chain's cells (一链一策), incrementally.
    firm.chain = "新一代电子信息产业链"
    firm.save()
    assert RegionalCell.objects.filter(kind="chain", key="新一代电子信息产业链").exists()
    assert_rebuilt_equal()
    Assessment.objects.filter(enterprise=firm, total=Decimal("41.25")).get().delete()
    assert_rebuilt_equal()
    assert RegionalCell.objects.filter(n__lte=0).count() == 0


def test_a_second_assessment_of_a_firm_counts_it_once(db):
    firm = EnterpriseFactory(region=region("440309"))
    scored_assessment(firm, spec_key=SME, total=Decimal("60"))
    scored_assessment(firm, spec_key=SME, total=Decimal("70.01"))
    cell = RegionalCell.objects.get(kind="all", spec_code="sme-2024")
    assert (cell.n, cell.total_cents, cell.firms) == (2, 13001, 1)
    assert_rebuilt_equal()


def test_a_bulk_load_falls_back_to_the_base_table_until_rebuilt(db):
    spec = get_spec(SME)
    firm = EnterpriseFactory(region=region("440309"))
    scored_assessment(firm, spec_key=SME, total=Decimal("60"))
    Assessment.objects.bulk_create([Assessment(enterprise=firm, spec_code="sme-2024", spec_version="1.0",
                                               status="approved", year=Assessment.objects.get().year,
                                               region=firm.region, created_by=Assessment.objects.get().created_by,
                                               submitted_answers={}, result={}, total=Decimal("80"))])
    assert not rollup.is_current("sme-2024", "1.0")
    area = selectors.area(region("440309"), viewer_path="")
    year = Assessment.objects.first().year
    direct = selectors.index(spec, year, [area])
    assert (direct[0].n, direct[0].total) == (2, Decimal("140"))
    call_command("regional_rebuild", stdout=io.StringIO())
    assert rollup.is_current("sme-2024", "1.0")
    rolled = selectors.index(spec, year, [area])
    assert (rolled[0].n, rolled[0].total, rolled[0].firms) == (2, Decimal("140"), 1)


def test_t0_t1_pairs_come_from_the_roll_up_and_follow_a_return(db):
    spec, staff = get_spec(SME), StaffFactory(staff_role="city_staff", region=region("440300"))
    firm = EnterpriseFactory(region=region("440309"))
    scored_assessment(firm, spec_key=SME, total=Decimal("50"), year=2025)
    t1 = scored_assessment(firm, spec_key=SME, total=Decimal("60.5"), year=2026)
    scored_assessment(EnterpriseFactory(region=region("440309")), spec_key=SME, total=Decimal("90"), year=2026)
    area = selectors.area(region("440309"), viewer_path="")
    (change,) = selectors.change(spec, 2026, [area])
    assert (change.before.n, change.before.mean, change.after.mean) == (1, Decimal("50"), Decimal("60.5"))
    assert_rebuilt_equal()
    services_review.assessment_return(assessment=t1, actor=staff, expected_version=0, comment="请补充。")
    (change,) = selectors.change(spec, 2026, [area])
    assert change.after.n == 0
    assert_rebuilt_equal()


def test_the_dashboards_freshness_verdict_follows_a_bulk_load_and_a_rebuild(db):
    """The per-page check is cached (its counts are dear at a million rows), keyed so that a bulk load
    and a rebuild are seen at once."""
    firm = EnterpriseFactory(region=region("440309"))
    scored_assessment(firm, spec_key=SME, total=Decimal("60"))
    assert rollup.is_current_cached("sme-2024", "1.0")
    Assessment.objects.bulk_create([Assessment(enterprise=firm, spec_code="sme-2024", spec_version="1.0",
                                               status="approved", year=Assessment.objects.get().year,
                                               region=firm.region, created_by=Assessment.objects.get().created_by,
                                               submitted_answers={}, result={}, total=Decimal("80"))])
    assert not rollup.is_current_cached("sme-2024", "1.0")
    call_command("regional_rebuild", stdout=io.StringIO())
    assert rollup.is_current_cached("sme-2024", "1.0")
