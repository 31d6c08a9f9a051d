"""Masked display of personal and financial numbers (portal/crypto.py): {% load masking %}
{{ payee.account_number|mask_account }}, {{ contact_phone|mask_phone }}, {{ id_number|mask_id }}."""

from django import template

from portal import crypto

register = template.Library()

register.filter("mask_phone", crypto.mask_phone)
register.filter("mask_account", crypto.mask_account)
register.filter("mask_id", crypto.mask_id)
