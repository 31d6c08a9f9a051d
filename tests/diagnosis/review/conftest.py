"""Submitted assessments to review: one through the real enterprise flow (start, answer, submit),
and a fast maker that stores a scored snapshot directly, for lists with many rows."""

from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from diagnosis.fill.services import answer_save, assessment_start, assessment_submit
from diagnosis.models import Assessment, Evidence
from diagnosis.scoring import score, visible_items
from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers
from tests.factories.portal import UserFactory

SME = "sme-2024@1.0"


def submit_through_services(enterprise, user, answers: dict | None = None) -> Assessment:
    assessment = assessment_start(enterprise=enterprise, actor=user, spec_key=SME)
    for code, value in (answers or full_answers(get_spec(SME))).items():
        answer_save(assessment=assessment, actor=user, item_code=code, value=value, expected_version=0)
    return assessment_submit(assessment=assessment, actor=user, pledge=True)


def make_submitted(enterprise, *, best: bool = True, status: str = Assessment.Status.SUBMITTED,
                   submitted_at: datetime | None = None, spec_key: str = SME) -> Assessment:
    """A scored, frozen assessment as assessment_submit leaves it, without the per-answer writes."""
    spec = get_spec(spec_key)
    context = enterprise.assessment_context()
    answers = full_answers(spec, best=best)
    shown = set(visible_items(spec, answers, context))
    answers = {code: value for code, value in answers.items() if code in shown}
    result = score(spec, answers, context)
    return Assessment.objects.create(
        enterprise=enterprise, spec_code=spec.code, spec_version=spec.version, year=timezone.localdate().year,
        region=enterprise.region, context=context, submitted_answers=answers, result=result.to_dict(),
        total=result.total, level=result.level.code if result.level else "", status=status,
        submitted_at=submitted_at or timezone.now(), created_by=UserFactory(),
    )


def add_evidence(assessment, item_code: str, name: str = "网络拓扑图.pdf") -> Evidence:
    evidence = Evidence(assessment=assessment, item_code=item_code, original_name=name,
                        content_type="application/pdf", size=9, sha256="0" * 64,
                        uploaded_by=assessment.created_by)
    evidence.file.save("upload", ContentFile(b"%PDF-1.4\n"), save=False)
    evidence.save()
    return evidence


@pytest.fixture
def submitted(enterprise, owner):
    """Submitted by the enterprise's owner with the best answers (self-declared total 100)."""
    return submit_through_services(enterprise, owner)


@pytest.fixture
def review(client):
    """Helpers to drive the review page as the signed-in client."""

    class Review:
        @staticmethod
        def url(assessment, suffix=""):
            return f"/review/{assessment.pk}/{suffix}"

        def post(self, assessment, suffix, data, version=None):
            if version is None:
                version = Assessment.objects.get(pk=assessment.pk).review_version
            return client.post(self.url(assessment, suffix), {"review_version": version, **data})

    return Review()
