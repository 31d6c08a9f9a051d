from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diagnosis.spec import load_all_specs


def spec_code_choices():
    return sorted({(spec.code, spec.title) for spec in load_all_specs().values()})


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    spec_codes = forms.MultipleChoiceField(label=_("Standards"), widget=forms.CheckboxSelectMultiple)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    quota_percent = forms.DecimalField(label=_("Quota (% of the targets)"), required=False, min_value=0.01,
                                       max_value=100, max_digits=5, decimal_places=2)
    quota_count = forms.IntegerField(label=_("Quota (number of enterprises)"), required=False, min_value=1,
                                     max_value=10_000_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spec_codes"].choices = spec_code_choices()
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."), code="deadline_past")
        return deadline

    def clean(self):
        data = super().clean()
        if (data.get("quota_percent") is None) == (data.get("quota_count") is None) and not self.errors:
            raise forms.ValidationError(_("Give the quota either as a share of the targets or as a number of "
                                          "enterprises."), code="quota")
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("规上 enterprise list (.xlsx)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))


class CoverageForm(forms.Form):
    by = forms.ChoiceField(required=False, choices=[("district", ""), ("town", ""), ("park", "")])

    def value(self) -> str:
        return self.cleaned_data.get("by") or "district" if self.is_valid() else "district"
