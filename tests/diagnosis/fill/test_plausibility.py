"""Plausibility warnings (#13 minor): a pure rules table, shown while filling (out of band after
each autosave), before submitting and to the reviewer; they never block."""

from decimal import Decimal

import pytest

from diagnosis.fill.plausibility import warnings
from diagnosis.fill.services import assessment_start
from diagnosis.models import Assessment

SME = "sme-2024"


def _ratio(n, d):
    return {"numerator": str(n), "denominator": str(d)}


@pytest.mark.parametrize(("answers", "facts", "codes"), [
    ({"device-digitisation": _ratio(45, 60), "device-networking": _ratio(40, 80)}, {}, ["digital-devices-twice"]),
    ({"device-digitisation": _ratio(45, 60), "device-networking": _ratio(40, 45)}, {}, []),
    ({"device-digitisation": _ratio(45, 60)}, {}, []),  # the second is not answered yet: no warning
    ({"funding": _ratio(560, 1000)}, {}, ["funding-share-high"]),
    ({"funding": _ratio(150, 1000)}, {}, []),
    ({"funding": _ratio(200, 1000)}, {}, []),  # exactly at the limit is fine
])
def test_sme_rules(answers, facts, codes):
    assert [w.code for w in warnings(SME, answers, facts)] == codes


def test_gbt23020_headcount_is_compared_with_the_registered_fact():
    found = warnings("gbt23020-2013", {"computers-per-100": _ratio(50, 300)}, {"employees": 120})
    assert [w.code for w in found] == ["headcount-differs"]
    assert found[0].params == {"stated": "300", "fact": "120"} and found[0].provisional
    assert warnings("gbt23020-2013", {"computers-per-100": _ratio(50, 130)}, {"employees": 120}) == ()


def test_share_params_are_percentages():
    (found,) = warnings(SME, {"funding": _ratio(560, 1000)})
    assert found.params == {"value": "56.0", "limit": "20"}
    assert isinstance(Decimal(found.params["value"]), Decimal)


@pytest.mark.django_db
class TestShown:
    @pytest.fixture
    def assessment(self, owner, enterprise):
        return assessment_start(enterprise=enterprise, actor=owner)

    def _save(self, client, assessment, item, n, d, version=0):
        return client.post(f"/assessments/{assessment.pk}/answer/",
                           {"item": item, "version": version, "numerator": n, "denominator": d},
                           HTTP_HX_REQUEST="true")

    def test_autosave_brings_the_warning_out_of_band_and_still_saves(self, login, owner, assessment):
        client = login(owner)
        response = self._save(client, assessment, "funding", "560", "1000")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="plausibility"' in html and 'hx-swap-oob="true"' in html and "56.0%" in html
        assert assessment.answers.get(item_code="funding").value == _ratio(560, 1000)
        settled = self._save(client, assessment, "funding", "100", "1000", version=1).content.decode()
        assert "56.0%" not in settled and 'id="plausibility"' in settled

    def test_the_submit_page_and_the_reviewer_see_the_warning(self, login, owner, district_staff, assessment):
        from diagnosis.fill import services
        from diagnosis.spec import get_spec
        from tests.diagnosis.answers import full_answers

        answers = full_answers(get_spec(assessment.spec_key))
        answers["funding"] = _ratio(560, 1000)
        for code, value in answers.items():
            services.answer_save(assessment=assessment, actor=owner, item_code=code, value=value, expected_version=0)
        client = login(owner)
        assert "56.0%" in client.get(f"/assessments/{assessment.pk}/submit/").content.decode()
        services.assessment_submit(assessment=assessment, actor=owner, pledge=True)
        assert Assessment.objects.get(pk=assessment.pk).status == "submitted"  # a warning never blocks
        review = login(district_staff).get(f"/review/{assessment.pk}/").content.decode()
        assert "56.0%" in review and 'href="#item-funding"' in review
