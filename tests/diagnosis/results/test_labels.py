"""What the enterprise is told about provisional values (issue #13 Major 4): the titles of what is
affected, never the spec's codes, tags, sources or notes."""

import pytest
from django.utils import translation

from diagnosis.results.labels import provisional_titles
from diagnosis.spec import get_spec


def _reasons(*sources):
    return [{"tag": "S", "source": source, "note": "分级门槛来自一份第三方实现（S）"} for source in sources]


@pytest.mark.parametrize(("spec_key", "sources", "language", "expected"), [
    ("sme-2024@1.0", ["condition:device-networking", "item:funding"], "zh-hans",
     ("设备联网率", "数字化资金保障（近三年数字化投入占营业收入比重）")),
    ("sme-2024@1.0", ["scenario_set:constraint", "option:network.industrial-5g", "item:network"], "zh-hans",
     ("约束性场景", "网络建设")),  # an option or band counts as its item, each title once
    ("sme-2024@1.0", ["level:L1", "level:L3", "spec"], "zh-hans",
     ("标准的总体权重与阈值", "等级门槛（一级、三级）")),  # the levels in one line
    ("sme-2024@1.0", ["level:L1", "level:L2"], "en", ("Thresholds of the levels (Level 1, Level 2)",)),
    ("gbt39116-2020@1.0", ["maturity", "maturity.scale", "condition:product-design"], "zh-hans",
     ("标准的总体权重与阈值", "产品设计")),
    ("sme-2024@1.0", ["item:no-such-item", "whatever:x"], "zh-hans", ()),  # nothing unreadable leaks
])
def test_provisional_sources_become_titles(spec_key, sources, language, expected):
    spec = get_spec(spec_key)
    with translation.override(language):
        titles = provisional_titles(spec, _reasons(*sources), language)
    assert titles == expected
    for title in titles:
        assert ":" not in title and "第三方" not in title
