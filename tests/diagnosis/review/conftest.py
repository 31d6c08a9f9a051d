"""Submitted assessments to review: one through the real enterprise flow (start, answer, submit);
for lists with many rows, tests.factories.diagnosis.scored_assessment stores a scored snapshot directly."""

import pytest
from django.core.files.base import ContentFile

from diagnosis.fill.services import answer_save, assessment_start, assessment_submit
from diagnosis.models import Assessment, Evidence
from diagnosis.spec import get_spec
from tests.diagnosis.answers import full_answers

SME = "sme-2024@1.0"


def submit_through_services(enterprise, user, answers: dict | None = None) -> Assessment:
    assessment = assessment_start(enterprise=enterprise, actor=user, spec_key=SME)
    for code, value in (answers or full_answers(get_spec(SME))).items():
        answer_save(assessment=assessment, actor=user, item_code=code, value=value, expected_version=0)
    return assessment_submit(assessment=assessment, actor=user, pledge=True)


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
