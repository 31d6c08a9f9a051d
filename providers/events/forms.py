"""Forms of the matchmaking events: shape only; the services decide (scope, pool membership,
versions). The meeting form carries the `state_version` it was rendered with."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diagnosis.models import NewMode
from portal.models import Enterprise, Region
from providers.events.services import NOTES_MAX, TEXT_MAX
from providers.models import MatchEvent, Pairing

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=MatchEvent.Kind.choices)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    cluster = forms.ChoiceField(label=_("Strategic cluster"), required=False,
                                choices=[("", "—"), *Enterprise.CLUSTER_CHOICES])
    park = forms.ModelChoiceField(label=_("Park"), queryset=Region.objects.none(), required=False)
    date = forms.DateField(label=_("Date"), widget=DATE)
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)

    def __init__(self, *args, staff_path: str, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Region.objects.filter(path__startswith=staff_path)
        self.fields["region"].queryset = regions.exclude(level=Region.Level.PARK).order_by("path")
        self.fields["park"].queryset = regions.filter(level=Region.Level.PARK).order_by("path")


class VersionedForm(forms.Form):
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class CandidateFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Need category"), required=False, choices=[("", _("Any")), *NewMode.choices])
    district = forms.ModelChoiceField(label=_("District"), queryset=Region.objects.none(), required=False,
                                      empty_label=_("Any"))
    cluster = forms.ChoiceField(label=_("Strategic cluster"), required=False,
                                choices=[("", _("Any")), *Enterprise.CLUSTER_CHOICES])
    park = forms.ModelChoiceField(label=_("Park"), queryset=Region.objects.none(), required=False,
                                  empty_label=_("Any"))

    def __init__(self, *args, districts, parks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["park"].queryset = parks

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class PairingForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=Pairing.Status.choices)
    meeting_at = forms.DateTimeField(label=_("Meeting time"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                format="%Y-%m-%dT%H:%M"))
    meeting_notes = forms.CharField(label=_("Meeting notes"), max_length=NOTES_MAX, required=False,
                                    widget=forms.Textarea(attrs={"rows": 4}))
    outcome = forms.CharField(label=_("Outcome"), max_length=TEXT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
