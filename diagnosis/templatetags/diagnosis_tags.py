from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def local_title(obj) -> str:
    """Spec texts are Chinese with an optional English title: show English in the English UI."""
    if get_language() == "en" and getattr(obj, "title_en", ""):
        return obj.title_en
    return obj.title


@register.filter
def local_next_step(recommendation) -> str:
    """A roadmap step in the English UI from its English twin (the Chinese one otherwise)."""
    if get_language() == "en" and getattr(recommendation, "next_step_en", ""):
        return recommendation.next_step_en
    return recommendation.next_step


@register.filter
def parenthesised(value) -> str:
    """A note after a name: full-width "（1.0）" in Chinese text, ASCII " (1.0)" in English."""
    return f" ({value})" if get_language() == "en" else f"（{value}）"


@register.simple_tag
def colon() -> str:
    """The colon after a label: full-width "：" in Chinese text, ": " in English."""
    return ": " if get_language() == "en" else "："


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def has(container, key) -> bool:
    return bool(container) and key in container


@register.filter
def spec_title(spec_key: str) -> str:
    """"sme-2024@1.0" → the standard's name as people know it (the code is for machines)."""
    from diagnosis.spec import SpecNotFound, get_spec

    try:
        return local_title(get_spec(spec_key))
    except (SpecNotFound, ValueError):
        return spec_key
