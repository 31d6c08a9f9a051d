"""GET filters of the directory, solution and app lists. An unknown code makes the form invalid
(400 with the reason) rather than silently widening the list."""

from functools import cache

from django import forms
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from diagnosis.results.needs import CATEGORIES
from diagnosis.spec.registry import SpecNotFound, latest_spec
from portal.models import Region
from portal.reference import INDUSTRY_DIVISIONS
from providers.directory.selectors import SEARCH_MAX, DirectoryFilters, region_choices
from providers.models import Pool
from providers.taxonomy import APP_CATEGORIES, CAPABILITY_AREAS

ITEM_SPEC = "sme-2024"  # the standard whose items and scenarios solutions are filed under


@cache
def item_choices() -> list[tuple[str, str]]:
    try:
        spec = latest_spec(ITEM_SPEC)
    except SpecNotFound:
        return []
    return [(f"{spec.code}:{code}", item.title) for code, item in spec.items.items()]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False, max_length=SEARCH_MAX,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, solution or app")}))
    category = forms.ChoiceField(label=_("Need category"), required=False)
    item = forms.ChoiceField(label=_("Scenario or item"), required=False)
    industry = forms.ChoiceField(label=_("Industry served"), required=False)
    area = forms.ChoiceField(label=_("Capability area"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    pool = forms.TypedChoiceField(label=_("Resource pool"), required=False, coerce=int, empty_value=None)
    app_category = forms.ChoiceField(label=_("App category"), required=False)

    def __init__(self, *args, fields: tuple[str, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("Any"))]
        self.fields["category"].choices = every + [(c.code, c.title) for c in CATEGORIES]
        self.fields["item"].choices = every + item_choices()
        self.fields["industry"].choices = every + sorted(
            (code, f"{code} {name}") for code, name in INDUSTRY_DIVISIONS.items())
        self.fields["area"].choices = every + [(t.code, t.title) for t in CAPABILITY_AREAS]
        self.fields["region"].choices = every + region_choices()
        self.fields["pool"].choices = every + [(p.pk, p.name) for p in Pool.objects.order_by("tier", "name")]
        self.fields["app_category"].choices = every + [(t.code, t.title) for t in APP_CATEGORIES]
        if fields is not None:
            for name in list(self.fields):
                if name not in fields:
                    del self.fields[name]

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def filters(self) -> DirectoryFilters:
        data = self.cleaned_data
        item = data.get("item") or ""
        region = Region.objects.filter(code=data["region"]).first() if data.get("region") else None
        return DirectoryFilters(
            q=data.get("q", ""), category=data.get("category", ""),
            item=tuple(item.split(":", 1)) if item else None, industry=data.get("industry", ""),
            area=data.get("area", ""), region=region, pool=data.get("pool"),
            app_category=data.get("app_category", ""))

    def controls(self) -> list:
        """The filter controls as ready HTML, built in Python: Django's per-option widget templates
        cost more than the rest of the directory page (the bench measures it)."""
        out = []
        for bound in self:
            widget_id = bound.id_for_label
            label = format_html('<label for="{}">{}</label>', widget_id, bound.label)
            if isinstance(bound.field, forms.ChoiceField):
                current = "" if bound.value() is None else str(bound.value())
                # Plain escaping: format_html per option is the slow part at ~150 options.
                options = mark_safe("".join(  # noqa: S308 — every value and label is escaped here
                    f'<option value="{escape(str(value))}"{" selected" if str(value) == current else ""}>'
                    f'{escape(str(text))}</option>' for value, text in bound.field.choices))
                control = format_html('<select name="{}" id="{}">{}</select>', bound.html_name, widget_id, options)
            else:
                control = format_html('<input type="search" name="{}" id="{}" value="{}" maxlength="{}" '
                                      'placeholder="{}">', bound.html_name, widget_id, bound.value() or "",
                                      SEARCH_MAX, _("Name, solution or app"))
            errors = format_html_join("", '<li>{}</li>', ((e,) for e in bound.errors))
            out.append(format_html('<div>{}{}{}</div>', label, control,
                                   format_html('<ul class="errorlist">{}</ul>', errors) if bound.errors else ""))
        return out
