"""GET filters of the regional dashboards. The region is a plain id: the view resolves it inside the
user's jurisdiction and answers 404 for any other, as for every object outside one's scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diagnosis.models import NewMode
from diagnosis.regional.selectors import DEFAULT_SPEC_KEY
from diagnosis.spec import load_all_specs


def spec_choices():
    return [(key, spec.title) for key, spec in sorted(load_all_specs().items())]


class RegionalFilterForm(forms.Form):
    region = forms.IntegerField(label=_("Region"), required=False, min_value=1, widget=forms.Select)
    spec = forms.ChoiceField(label=_("Standard"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spec"].choices = spec_choices()
        # Indented by depth below the highest region listed (a province's cities, then their districts).
        depth = {"province": 0, "city": 1, "district": 2, "park": 3}
        top = min((depth.get(r.level, 0) for r in regions), default=0)
        self.fields["region"].widget.choices = [(r.pk, f"{'　' * (depth.get(r.level, 0) - top)}{r.name}")
                                                for r in regions]

    def value(self, name, default=None):
        """The cleaned value, or ``default`` when the field is empty or invalid (the form shows why)."""
        if not self.is_bound or not self.is_valid() and name in self.errors:
            return default
        return self.cleaned_data.get(name) or default

    def spec_key(self) -> str:
        return self.value("spec", DEFAULT_SPEC_KEY)


class DemandCellForm(forms.Form):
    """One cell of the demand map, for its drill-down list."""

    district = forms.IntegerField(min_value=1)
    division = forms.RegexField(regex=r"^\d{2}$|^$", required=False, max_length=2)
    category = forms.ChoiceField(choices=NewMode.choices)
    year = forms.IntegerField(min_value=2000, max_value=2100)


class PolicyFilterForm(RegionalFilterForm):
    """The filters of a slice group's page (一行一策 / 一园一策 / 一链一策): the group's key rides along."""

    key = forms.CharField(max_length=50, widget=forms.HiddenInput)
