from django import forms
from django.utils.translation import gettext_lazy as _

from portal.auditlog.labels import DOMAIN_LABELS
from portal.models import AuditEvent


class AuditFilterForm(forms.Form):
    domain = forms.ChoiceField(label=_("Area"), required=False,
                               choices=[("", _("All"))] + [(k, v) for k, v in DOMAIN_LABELS.items()])
    action = forms.CharField(label=_("Action code starts with"), required=False, max_length=64)
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("All"))] + list(AuditEvent.Outcome.choices))
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
