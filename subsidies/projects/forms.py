"""Project forms: shape only; the services decide (baseline, dimensions, T1, scope, versions)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class FileProjectForm(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=200)
    solution = forms.CharField(label=_("Solution"), max_length=200)
    scope = forms.CharField(label=_("Scope"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    planned_investment = forms.CharField(label=_("Planned investment (yuan)"), max_length=20)
    provider = forms.ChoiceField(label=_("Service provider"), required=False)
    spec_code = forms.ChoiceField(label=_("Standard"))
    target_dimensions = forms.MultipleChoiceField(label=_("Targeted dimensions"),
                                                  widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, providers, specs, dimensions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", _("(none yet)"))] + [(str(p.pk), p.name) for p in providers]
        self.fields["spec_code"].choices = specs
        self.fields["target_dimensions"].choices = dimensions


class AcceptanceRequestForm(forms.Form):
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    follow_up = forms.ChoiceField(label=_("Re-assessment (T1)"))
    evidence = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, follow_ups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].choices = follow_ups


class DecideForm(forms.Form):
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("Decision"), choices=[("accept", _("Accept")), ("return", _("Return"))],
                                widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (required when returning)"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
