"""GET input of the gap map's pages. Regions are plain ids: the views resolve them inside the
user's jurisdiction and answer 404 for any other."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diagnosis.models import NewMode


class MapForm(forms.Form):
    """The dashboard's filters as the panel and the export receive them (``spec`` is ignored: needs
    are stated once per assessment, whatever the standard)."""

    region = forms.IntegerField(label=_("Region"), required=False, min_value=1)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)


class CellForm(forms.Form):
    """One cell of the gap map, for its drill-down."""

    district = forms.IntegerField(label=_("District"), min_value=1)
    category = forms.ChoiceField(label=_("Need category"), choices=NewMode.choices,
                                 error_messages={"invalid_choice": _("Unknown need category.")})
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


def problems(form: forms.Form) -> str:
    """The form's errors as one line for the 400 page."""
    return "；".join(f"{form.fields[name].label if name in form.fields else name}：{' '.join(errors)}"
                    for name, errors in form.errors.items())
