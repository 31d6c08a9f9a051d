"""The scene map file: every item of every released spec mapped (or explicitly unmapped), its
categories the same as the demand map's, its areas real capability areas, bad rows refused."""

import pytest

from diagnosis.results.needs import spec_categories
from diagnosis.spec.registry import load_all_specs
from providers.matching.scenemap import CONFIDENCE_WORDS, SceneMapError, parse_scene_map, scene_map
from providers.taxonomy import CAPABILITY_CODES

SPECS = sorted(load_all_specs().values(), key=lambda s: s.key)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.key)
def test_every_item_of_every_released_spec_is_mapped_or_explicitly_unmapped(spec):
    assert scene_map().problems(spec) == []


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.key)
def test_categories_agree_with_the_demand_map(spec):
    rows = scene_map().spec_rows(spec)
    categories = spec_categories(spec)
    for code, row in rows.items():
        if row is not None:
            assert row.category == categories[code], code


def test_rows_carry_provenance_and_plain_confidence_words():
    mapping = scene_map()
    rows = [*mapping.items.values(), *mapping.dimensions.values()]
    assert rows
    for row in rows:
        assert row.source
        assert set(row.areas) <= set(CAPABILITY_CODES)
        assert row.confidence_words in CONFIDENCE_WORDS.values()
    assert mapping.row_for(SPECS[-1], "sc-quality").confidence_words == "暂定对应（待核实）"


def test_gbt39116_requirements_inherit_their_sub_domain():
    spec = next(s for s in SPECS if s.code == "gbt39116-2020")
    code = next(c for c, item in spec.items.items() if item.parent == "security")
    row = scene_map().row_for(spec, code)
    assert row.is_dimension and row.code == "security" and row.areas == ("security",)


def test_an_unknown_item_is_reported():
    spec = next(s for s in SPECS if s.code == "sme-2024")
    mapping = parse_scene_map({"rows": [{"spec": "sme-2024", "item": "no-such-item", "category": "digital_management",
                                         "areas": ["software"], "source": "x", "confidence": "provisional"}]})
    problems = mapping.problems(spec)
    assert "sme-2024: row names unknown item no-such-item" in problems
    assert any("network is neither mapped" in p for p in problems)


@pytest.mark.parametrize(("row", "message"), [
    ({"item": "a", "category": "nope", "areas": ["software"], "source": "s", "confidence": "source"}, "unknown category"),
    ({"item": "a", "category": "digital_management", "areas": ["moon"], "source": "s", "confidence": "source"},
     "areas"),
    ({"item": "a", "category": "digital_management", "areas": [], "source": "s", "confidence": "source"}, "areas"),
    ({"item": "a", "category": "digital_management", "areas": ["software"], "source": "", "confidence": "source"},
     "source"),
    ({"item": "a", "category": "digital_management", "areas": ["software"], "source": "s", "confidence": "maybe"},
     "confidence"),
    ({"item": "a", "dimension": "b", "category": "digital_management", "areas": ["software"], "source": "s",
      "confidence": "source"}, "exactly one"),
])
def test_malformed_rows_are_refused_with_the_reason(row, message):
    with pytest.raises(SceneMapError, match=message):
        parse_scene_map({"rows": [{"spec": "sme-2024", **row}]})


def test_a_code_both_mapped_and_unmapped_is_refused():
    row = {"spec": "sme-2024", "item": "a", "category": "digital_management", "areas": ["software"], "source": "s",
           "confidence": "source"}
    with pytest.raises(SceneMapError, match="also mapped"):
        parse_scene_map({"rows": [row], "unmapped": [{"spec": "sme-2024", "item": "a", "reason": "r"}]})
