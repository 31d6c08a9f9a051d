"""Template filters of the subsidy pages."""

from django import template

from subsidies import labels

register = template.Library()


@register.filter
def yuan(value) -> str:
    """A yuan amount for reading: 万元 / 亿元 when round, else with thousands separators."""
    if value is None or value == "":
        return "—"
    return labels.money(value)
