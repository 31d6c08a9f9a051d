"""Voucher forms: shape only; the services decide (status, pool membership, budget, versions)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class VersionedForm(forms.Form):
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class VerifyForm(VersionedForm):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class UseForm(forms.Form):
    code = forms.CharField(label=_("Voucher code"), max_length=20)
    contract_number = forms.CharField(label=_("Contract number"), max_length=60)
    # Text, not DecimalField: the service gives the precise reason (negative, more than two decimals…).
    contract_amount = forms.CharField(label=_("Contract amount (yuan)"), max_length=20)
    contract_file = forms.FileField(label=_("Contract (PDF or image)"))
    payment_file = forms.FileField(label=_("Proof of the enterprise's payment"))


class IssueForm(forms.Form):
    version = forms.ModelChoiceField(label=_("Programme"), queryset=None)
    uscc = forms.CharField(label=_("Enterprise's unified social credit code"), max_length=18, min_length=18)
    face_value = forms.CharField(label=_("Face value (yuan)"), max_length=20)

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions
