"""Benefit estimate: per recommended step, gains that are the category's typical figure times the
step's share, shares of one category adding up to 1, the formula shown with its numbers."""

from decimal import Decimal

import pytest

from diagnosis.results.needs import spec_categories
from diagnosis.results.roadmap import build_roadmap
from diagnosis.spec import get_spec
from providers.matching.benefit import estimate, figures
from tests.factories.diagnosis import scored_assessment
from tests.factories.portal import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _roadmap():
    assessment = scored_assessment(EnterpriseFactory(), best=False)
    spec = get_spec(assessment.spec_key)
    return spec, build_roadmap(spec, assessment.result, assessment.submitted_answers, assessment.priorities)


def test_each_step_gets_its_share_of_the_category_figure():
    spec, roadmap = _roadmap()
    result = estimate(spec, roadmap, division="39", limit=100)
    assert result.provisional and result.industry == "电子行业"
    assert result.steps
    categories = spec_categories(spec)
    by_category: dict[str, Decimal] = {}
    for step in result.steps:
        assert step.category == categories[step.code]
        typical = figures().categories[step.category]
        for gain in step.gains:
            assert gain.typical == typical[gain.code]
            assert gain.percent == (typical[gain.code] * step.share).quantize(Decimal("0.1"))
        assert "÷" in step.formula and step.source
        by_category[step.category] = by_category.get(step.category, Decimal(0)) + step.share
    for total in by_category.values():
        assert abs(total - 1) < Decimal("0.001")


def test_limit_and_unknown_industry():
    spec, roadmap = _roadmap()
    result = estimate(spec, roadmap, division="", limit=3)
    assert len(result.steps) <= 3 and result.industry == ""
    assert [s.code for s in result.steps] == [r.code for r in roadmap.recommendations[:3]
                                              if spec_categories(spec).get(r.code)][:len(result.steps)]
