"""Input shape of the results pages: roadmap priorities and one transformation need."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Need, NewMode
from diagnosis.results.roadmap import DEFAULT_WEIGHT, MAX_WEIGHT, PRIORITY_CODES

PRIORITY_LABELS = {
    "cost": _("Cost"),
    "quality": _("Quality"),
    "delivery": _("Delivery"),
    "energy": _("Energy"),
    "safety": _("Safety"),
}
_WEIGHT_ERROR = _("Enter a whole number from 0 to 5.")


class PrioritiesForm(forms.Form):
    """The five weights, each 0–5 (how much the enterprise cares; 3 = normal)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in PRIORITY_CODES:
            self.fields[code] = forms.IntegerField(
                label=PRIORITY_LABELS[code], min_value=0, max_value=MAX_WEIGHT, initial=DEFAULT_WEIGHT,
                error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), _WEIGHT_ERROR),
            )


class NeedForm(forms.Form):
    category = forms.ChoiceField(choices=NewMode.choices, widget=forms.HiddenInput,
                                 error_messages={"invalid_choice": _("Unknown need category.")})
    description = forms.CharField(label=_("What do you need?"), max_length=1000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  error_messages={"required": _("Describe the need in a sentence or two.")})
    item_codes = forms.MultipleChoiceField(
        label=_("Related items"), required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("%(value)s is not an item of this standard.")})
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Need.Urgency.choices, coerce=int,
                                     initial=Need.Urgency.MEDIUM)
    budget_wan = forms.DecimalField(label=_("Planned budget (10k yuan)"), required=False, min_value=0,
                                    max_digits=10, decimal_places=2,
                                    error_messages={"min_value": _("The budget cannot be negative.")})

    def __init__(self, *args, spec, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item_codes"].choices = [(code, item.title) for code, item in spec.items.items()]
