"""The `money` template filter (portal/templatetags/masking.py): grouped, two decimals, on the Decimal."""

from decimal import Decimal

from django.template import Context, Template

from portal.templatetags.masking import money


def test_groups_thousands_and_keeps_two_decimals():
    assert money(Decimal("1234567.00")) == "1,234,567.00"
    assert money(Decimal("1234567")) == "1,234,567.00"
    assert money(1234567) == "1,234,567.00"
    assert money(Decimal("999.5")) == "999.50"
    assert money(Decimal("-20000.10")) == "-20,000.10"
    # The cents of the largest stored amount (max_digits 14) survive: no float on the way.
    assert money(Decimal("9999999999.99")) == "9,999,999,999.99"
    assert money(Decimal("0.005")) == "0.01"


def test_passes_non_numbers_through():
    assert money(None) is None and money("—") == "—" and money("") == ""


def test_in_a_template_after_a_default():
    template = Template('{% load masking %}{{ a|money }}|{{ b|default_if_none:"—"|money }}')
    assert template.render(Context({"a": Decimal("50000.00"), "b": None})) == "50,000.00|—"
