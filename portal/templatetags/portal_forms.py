"""Form helpers for templates: the error summary at the top of long forms."""

from django import template

register = template.Library()


@register.inclusion_tag("portal/partials/error_summary.html")
def error_summary(*forms):
    """Every error of `forms` in one list at the top of the page, each linking to its field."""
    forms = [f for f in forms if f is not None and getattr(f, "is_bound", False)]
    return {"error_forms": forms, "has_errors": any(f.errors for f in forms)}
