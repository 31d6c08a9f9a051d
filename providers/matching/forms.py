from django import forms
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Campaign
from providers.matching.engine import COMPONENT_CODES, WeightsError, parse_points
from providers.matching.services import weights_error_message

# What each component reads as on the pages (the engine's own labels are its Chinese explanation).
COMPONENT_TITLES = {
    "need": _("Need fit"),
    "scenario": _("Scenario fit"),
    "area": _("Capability areas covered"),
    "capability": _("Provider's level in the areas"),
    "outcome": _("Rating by measured outcome"),
    "industry": _("Experience in the same industry"),
    "pool": _("Resource pool tier"),
    "region": _("Region"),
    "price": _("Price against the enterprise's size"),
}


class WeightsForm(forms.Form):
    note = forms.CharField(label=_("Reason for the change"), max_length=500)
    campaign = forms.ModelChoiceField(label=_("Diagnosis campaign (optional)"), queryset=Campaign.objects.none(),
                                      required=False)
    base_number = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for code in COMPONENT_CODES:
            self.fields[code] = forms.DecimalField(label=COMPONENT_TITLES[code], min_value=0, max_value=100,
                                                   max_digits=5, decimal_places=2)
        if user is not None:
            self.fields["campaign"].queryset = Campaign.objects.visible_to(user).order_by("-year", "pk")

    def clean(self):
        data = super().clean()
        if all(code in data for code in COMPONENT_CODES):
            try:
                data["points"] = parse_points({code: data[code] for code in COMPONENT_CODES})
            except WeightsError as exc:
                raise forms.ValidationError(weights_error_message(exc), code=exc.code) from None
        return data
