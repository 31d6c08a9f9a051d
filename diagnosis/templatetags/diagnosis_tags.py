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
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def has(container, key) -> bool:
    return bool(container) and key in container
