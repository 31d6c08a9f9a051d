"""Shared by the API tests: a client factory signed in as a given user (token-less, through DRF's
force_authenticate) and a draft assessment of the owner's enterprise."""

import pytest
from rest_framework.test import APIClient

from diagnosis.fill.services import assessment_start


@pytest.fixture
def api():
    def _as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return _as


@pytest.fixture
def assessment(owner, enterprise):
    return assessment_start(enterprise=enterprise, actor=owner)
