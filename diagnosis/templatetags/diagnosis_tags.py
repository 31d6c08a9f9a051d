from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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
def spec_label(spec) -> str:
    """A spec as people know it: the standard's name, and its version only when another version
    of the same standard is installed too (the key "sme-2024@1.0" is for machines)."""
    from diagnosis.spec import load_all_specs

    title = local_title(spec)
    if sum(1 for other in load_all_specs().values() if other.code == spec.code) > 1:
        return _("%(title)s, version %(version)s") % {"title": title, "version": spec.version}
    return title


@register.filter
def spec_title(spec_key: str) -> str:
    """"sme-2024@1.0" → the standard's name as people know it (the code is for machines)."""
    from diagnosis.spec import SpecNotFound, get_spec

    try:
        return spec_label(get_spec(spec_key))
    except (SpecNotFound, ValueError):
        return spec_key
