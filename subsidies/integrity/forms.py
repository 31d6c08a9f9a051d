"""Integrity forms: shape only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PayeeForm(forms.Form):
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50)
    legal_representative_id = forms.CharField(label=_("Legal representative's ID number"), max_length=30,
                                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    address = forms.CharField(label=_("Registered address"), max_length=200)
    bank_name = forms.CharField(label=_("Bank"), max_length=100)
    account_name = forms.CharField(label=_("Account name"), max_length=100)
    account_number = forms.CharField(label=_("Account number"), max_length=40,
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))


class OverrideForm(forms.Form):
    state_version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    justification = forms.CharField(label=_("Justification"), max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 3}))


class InvoiceForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    issuer = forms.CharField(label=_("Issuer"), max_length=100)
