"""The profile document: parsing untrusted JSON into typed data with every problem reported,
completeness and the diff between versions."""

import datetime as dt
from decimal import Decimal

import pytest

from diagnosis.results.needs import CATEGORY_CODES
from providers.profiles.document import Problem, completeness, diff, expired_qualifications, parse
from tests.factories.providers import new_key, profile_document

TODAY = dt.date(2026, 11, 30)


def _parse(document, **kw):
    return parse(document, today=TODAY, categories=CATEGORY_CODES, **kw)


def test_a_full_document_parses_into_typed_values():
    parsed = _parse(profile_document())
    assert parsed.ok, parsed.problems
    profile = parsed.profile
    assert profile.facts.registered_capital == Decimal("1000.00")
    assert profile.solutions[0].price_max == Decimal("80.00")
    assert profile.capabilities[0].cases == (profile.cases[0].key,)
    assert completeness(profile).share == Decimal("1.00")


@pytest.mark.parametrize(("patch", "problem"), [
    ({"facts": {"founded_year": 2099}}, Problem("facts.founded_year", "out_of_range")),
    ({"facts": {"employees": 10, "rd_staff": 11}}, Problem("facts.rd_staff", "more_than_employees")),
    ({"facts": {"registered_capital": "abc"}}, Problem("facts.registered_capital", "not_a_number")),
    ({"facts": {"registered_capital": "-1"}}, Problem("facts.registered_capital", "out_of_range")),
    ({"facts": {"summary": "a\x00b"}}, Problem("facts.summary", "not_text")),
    ({"new_tech": ["teleportation"]}, Problem("new_tech", "unknown_code")),
    ({"capabilities": [{"area": "software", "level": 6}]}, Problem("capabilities.0.level", "out_of_range")),
    ({"capabilities": [{"area": "software", "level": 3}, {"area": "software", "level": 2}]},
     Problem("capabilities.1.area", "duplicate")),
    ({"capabilities": [{"area": "software", "level": 3, "cases": [new_key()]}]},
     Problem("capabilities.0.cases", "unknown_code")),
    ({"apps": [{"key": "x", "name": "a", "category": "production", "deployment": "saas",
                "price_model": "free"}]}, Problem("apps.0.key", "bad_key")),
    ({"apps": [{"key": new_key(), "name": "a", "category": "rockets", "deployment": "saas",
                "price_model": "free"}]}, Problem("apps.0.category", "unknown_code")),
    ({"solutions": [{"key": new_key(), "title": "t", "categories": ["digital_management"],
                     "price_min": "50", "price_max": "10"}]}, Problem("solutions.0.price_max", "below_minimum")),
    ({"solutions": [{"key": new_key(), "title": "t", "categories": []}]},
     Problem("solutions.0.categories", "required")),
    ({"cases": "not a list"}, Problem("cases", "not_a_list")),
])
def test_bad_values_are_reported_with_their_path(patch, problem):
    document = profile_document()
    for section, value in patch.items():
        if isinstance(value, dict) and isinstance(document[section], dict):
            document[section] = {**document[section], **value}
        else:
            document[section] = value
            if section == "cases":
                document["capabilities"] = []
    parsed = _parse(document)
    assert problem in parsed.problems


def test_not_an_object_is_refused_without_raising():
    assert _parse(["a"]).problems == (Problem("", "not_an_object"),)
    assert _parse({"facts": "x", "apps": [1]}).problems == (
        Problem("facts", "not_an_object"), Problem("apps.0", "not_an_object"))


def test_solution_items_are_checked_against_the_specs_when_given():
    document = profile_document()
    known = {"sme-2024": frozenset({"equipment-systems"})}
    assert _parse(document, known_items=known).ok
    document["solutions"][0]["items"] = [{"spec": "sme-2024", "item": "no-such-item"}]
    assert Problem("solutions.0.items", "unknown_code") in _parse(document, known_items=known).problems


def test_completeness_names_the_empty_sections():
    result = completeness(_parse({"facts": {}}).profile)
    assert result.share == Decimal("0.00")
    assert result.missing[0] == "facts"


def test_diff_tells_added_changed_and_removed_entries_apart():
    old_doc = profile_document()
    new_doc = profile_document()
    new_doc["apps"] = [{**old_doc["apps"][0], "clients": 55}]
    new_doc["solutions"] = []
    new_doc["cases"] = old_doc["cases"]
    new_doc["capabilities"] = old_doc["capabilities"]
    new_doc["qualifications"] = old_doc["qualifications"] + [
        {"key": new_key(), "kind": "cmmi", "name": "CMMI 3"}]
    new_doc["facts"] = {**old_doc["facts"], "employees": 200}
    changes = diff(_parse(old_doc).profile, _parse(new_doc).profile)
    kinds = {(c.section, c.kind, c.label) for c in changes}
    assert ("facts", "changed", "") in kinds
    assert ("apps", "changed", "轻量化MES") in kinds
    assert ("solutions", "removed", "电子装配车间数字化改造") in kinds
    assert ("qualifications", "added", "CMMI 3") in kinds
    facts = next(c for c in changes if c.section == "facts")
    assert facts.fields == (("employees", "180", "200"),)


def test_expired_qualifications():
    document = profile_document()
    document["qualifications"][0]["expires"] = "2026-11-29"
    assert len(expired_qualifications(_parse(document).profile, TODAY)) == 1
