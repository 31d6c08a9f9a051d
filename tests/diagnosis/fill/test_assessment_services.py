"""Assessment services: start (spec pinned), answers with optimistic concurrency, submit (score and
freeze), re-basing onto another spec version."""

from pathlib import Path

import pytest

from diagnosis.fill.services import (
    AnswerConflict,
    answer_save,
    assessment_start,
    assessment_submit,
)
from diagnosis.models import Answer, Assessment, RebasedResult
from diagnosis.scoring import visible_items
from diagnosis.scoring.services import assessments_rebase, rebased_full_result
from diagnosis.spec import get_spec, load_spec
from portal.exceptions import DomainError
from portal.models import AuditEvent
from tests.diagnosis.answers import full_answers
from tests.factories.portal import EnterpriseFactory, MembershipFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _fill(assessment, user, answers):
    for code, value in answers.items():
        answer_save(assessment=assessment, actor=user, item_code=code, value=value, expected_version=0)


class TestStart:
    def test_pins_the_latest_sme_spec_by_default(self, owner, enterprise):
        assessment = assessment_start(enterprise=enterprise, actor=owner)
        assert (assessment.spec_code, assessment.spec_version) == ("sme-2024", "1.0")
        assert assessment.context["production_type"] == "discrete"
        assert AuditEvent.objects.filter(action="assessment.start").exists()

    def test_unverified_enterprises_cannot_start(self, db):
        pending = EnterpriseFactory(status="pending")
        user = MembershipFactory(enterprise=pending).user
        with pytest.raises(DomainError) as excinfo:
            assessment_start(enterprise=pending, actor=user)
        assert excinfo.value.code == "not_verified"
        assert not Assessment.objects.exists()

    def test_viewers_cannot_start(self, teammate, enterprise):
        with pytest.raises(DomainError):
            assessment_start(enterprise=enterprise, actor=teammate)

    def test_unknown_spec_is_refused(self, owner, enterprise):
        with pytest.raises(DomainError, match="nope@9"):
            assessment_start(enterprise=enterprise, actor=owner, spec_key="nope@9")


class TestAnswers:
    @pytest.fixture
    def assessment(self, owner, enterprise):
        return assessment_start(enterprise=enterprise, actor=owner)

    def test_saves_and_versions(self, assessment, owner):
        first = answer_save(
            assessment=assessment,
            actor=owner,
            item_code="network",
            value=["workshop-control"],
            expected_version=0,
        )
        assert first.version == 1
        second = answer_save(
            assessment=assessment,
            actor=owner,
            item_code="network",
            value=["workshop-control", "industrial-5g"],
            expected_version=1,
        )
        assert second.version == 2
        assert sorted(second.value) == ["industrial-5g", "workshop-control"]

    def test_a_stale_save_is_told_and_sees_the_current_value(self, assessment, owner, editor):
        answer_save(
            assessment=assessment,
            actor=owner,
            item_code="network",
            value=["workshop-control"],
            expected_version=0,
        )
        answer_save(
            assessment=assessment,
            actor=editor,
            item_code="network",
            value=["industrial-5g"],
            expected_version=1,
        )
        with pytest.raises(AnswerConflict) as excinfo:
            answer_save(
                assessment=assessment, actor=owner, item_code="network", value=["none"], expected_version=1
            )
        assert excinfo.value.current_value == ["industrial-5g"]
        assert excinfo.value.current_version == 2
        assert Answer.objects.get(item_code="network").value == ["industrial-5g"]

    def test_a_replayed_save_is_no_conflict(self, assessment, owner):
        """A save that was stored but whose reply was lost comes again with the old version (a
        retry, a request the browser sent twice): the stored row comes back, nothing is written."""
        first = ["workshop-control"]
        second = ["workshop-control", "industrial-5g"]
        stored = answer_save(assessment=assessment, actor=owner, item_code="network", value=first,
                             expected_version=0)
        again = answer_save(assessment=assessment, actor=owner, item_code="network", value=first,
                            expected_version=0)
        assert (again.pk, again.version, again.value) == (stored.pk, 1, first)
        answer_save(assessment=assessment, actor=owner, item_code="network", value=second, expected_version=1)
        again = answer_save(assessment=assessment, actor=owner, item_code="network", value=second,
                            expected_version=1)
        assert (again.version, sorted(again.value)) == (2, sorted(second))
        assert Answer.objects.get(item_code="network").version == 2
        with pytest.raises(AnswerConflict):  # another value at a stale version still conflicts
            answer_save(assessment=assessment, actor=owner, item_code="network", value=["none"],
                        expected_version=1)

    def test_two_first_saves_conflict_instead_of_overwriting(self, assessment, owner, editor):
        answer_save(
            assessment=assessment,
            actor=owner,
            item_code="network",
            value=["workshop-control"],
            expected_version=0,
        )
        with pytest.raises(AnswerConflict):
            answer_save(
                assessment=assessment,
                actor=editor,
                item_code="network",
                value=["industrial-5g"],
                expected_version=0,
            )

    @pytest.mark.parametrize(
        ("code", "value"),
        [
            ("no_such_item", "x"),
            ("network", ["warp-drive"]),
            ("network", ["none", "industrial-5g"]),
            ("device-digitisation", {"numerator": 5, "denominator": 0}),
            ("device-digitisation", {"numerator": 9, "denominator": 3}),
            ("device-digitisation", 140),
        ],
    )
    def test_invalid_answers_are_refused_and_nothing_is_stored(self, assessment, owner, code, value):
        with pytest.raises(DomainError) as excinfo:
            answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
        assert code in excinfo.value.message
        assert not Answer.objects.exists()

    def test_viewers_cannot_answer(self, assessment, teammate):
        with pytest.raises(DomainError):
            answer_save(
                assessment=assessment,
                actor=teammate,
                item_code="network",
                value=["industrial-5g"],
                expected_version=0,
            )


class TestSubmit:
    @pytest.fixture
    def assessment(self, owner, enterprise):
        return assessment_start(enterprise=enterprise, actor=owner)

    def test_lists_every_missing_answer(self, assessment, owner):
        answer_save(
            assessment=assessment,
            actor=owner,
            item_code="network",
            value=["industrial-5g"],
            expected_version=0,
        )
        with pytest.raises(DomainError) as excinfo:
            assessment_submit(assessment=assessment, actor=owner, pledge=True)
        spec = get_spec(assessment.spec_key)
        assert set(excinfo.value.missing) == set(
            visible_items(spec, {"network": ["industrial-5g"]}, assessment.context)
        ) - {"network"}
        assessment.refresh_from_db()
        assert assessment.status == "draft" and assessment.result is None

    def test_needs_the_pledge(self, assessment, owner):
        _fill(assessment, owner, full_answers(get_spec(assessment.spec_key)))
        with pytest.raises(DomainError) as excinfo:
            assessment_submit(assessment=assessment, actor=owner, pledge=False)
        assert excinfo.value.code == "pledge"

    def test_scores_freezes_and_locks(self, assessment, owner):
        spec = get_spec(assessment.spec_key)
        answers = full_answers(spec)
        _fill(assessment, owner, answers)
        submitted = assessment_submit(assessment=assessment, actor=owner, pledge=True)
        assert submitted.status == "submitted"
        assert str(submitted.total) == "100.00"
        assert submitted.level == submitted.result["level"]["code"]
        assert submitted.provisional is True  # the level rule of SME 2024 is [S]
        assert set(submitted.submitted_answers) == set(visible_items(spec, answers, submitted.context))
        with pytest.raises(DomainError):
            answer_save(
                assessment=submitted, actor=owner, item_code="network", value=["none"], expected_version=1
            )
        with pytest.raises(DomainError) as excinfo:
            assessment_submit(assessment=submitted, actor=owner, pledge=True)
        assert excinfo.value.code == "already_submitted"
        event = AuditEvent.objects.get(action="assessment.submit")
        assert event.detail["total"] == "100.00"


def test_rebasing_keeps_the_original_and_stores_a_rebased_result(owner, enterprise):
    old, new = load_spec(FIXTURES / "tiny@1.0.toml"), load_spec(FIXTURES / "tiny@2.0.toml")
    answers = full_answers(old)
    from diagnosis.scoring import score

    result = score(old, answers)
    assessment = Assessment.objects.create(
        enterprise=enterprise,
        spec_code=old.code,
        spec_version=old.version,
        year=2026,
        created_by=owner,
        status="submitted",
        submitted_answers=answers,
        result=result.to_dict(),
        total=result.total,
    )
    report = assessments_rebase(old_spec=old, new_spec=new)
    assert report.scored == 1 and report.failed == 0
    rebased = RebasedResult.objects.get(assessment=assessment)
    assert rebased.spec_key == new.key
    assessment.refresh_from_db()
    assert assessment.total == result.total  # the frozen original is untouched
    assert rebased.result["compact"] is True and rebased.result["total"] == str(rebased.total)
    # Idempotent: running again replaces, never duplicates.
    assessments_rebase(old_spec=old, new_spec=new)
    assert RebasedResult.objects.count() == 1
    # The texts are recomputed on demand and agree with the stored numbers.
    full = rebased_full_result(assessment, new, old_spec=old)
    assert full["total"] == rebased.result["total"] and full["spec_key"] == new.key


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rebasing_over_worker_processes_matches_one_process(owner, enterprise):
    old, new = load_spec(FIXTURES / "tiny@1.0.toml"), load_spec(FIXTURES / "tiny@2.0.toml")
    from diagnosis.scoring import score

    for best in (True, False, True, True, False):
        answers = full_answers(old, best=best)
        result = score(old, answers)
        Assessment.objects.create(
            enterprise=enterprise, spec_code=old.code, spec_version=old.version, year=2026, created_by=owner,
            status="submitted", submitted_answers=answers, result=result.to_dict(), total=result.total)
    report = assessments_rebase(old_spec=old, new_spec=new, workers=2)
    assert (report.scored, report.failed) == (5, 0)
    parallel = dict(RebasedResult.objects.values_list("assessment_id", "total"))
    RebasedResult.objects.all().delete()
    assessments_rebase(old_spec=old, new_spec=new, workers=1)
    assert dict(RebasedResult.objects.values_list("assessment_id", "total")) == parallel
