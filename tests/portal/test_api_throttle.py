"""The API token throttle (#13 security): keyed on the client address, not on a client-supplied
X-Forwarded-For, and kept in Redis whenever Redis is configured so every worker shares it."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.portal.test_settings_env import _load_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_rotating_x_forwarded_for_does_not_escape_the_token_throttle(owner):
    api = APIClient()
    statuses = []
    for n in range(15):
        r = api.post("/api/v1/auth/token/", {"username": owner.username, "password": "wrong-password"},
                     HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", REMOTE_ADDR="198.51.100.7")
        statuses.append(r.status_code)
    assert 429 in statuses
    assert statuses.index(429) <= 10


def test_another_client_address_has_its_own_bucket(owner):
    api = APIClient()
    for _ in range(11):
        api.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, REMOTE_ADDR="198.51.100.7")
    r = api.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, REMOTE_ADDR="198.51.100.8")
    assert r.status_code != 429


def test_a_redis_broker_without_cache_url_still_puts_counters_in_redis():
    result = _load_settings(DEBUG="yes", CELERY_BROKER_URL="redis://redis:6379/0", CACHE_URL=None)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cache"] == "django.core.cache.backends.redis.RedisCache"
    result = _load_settings(DEBUG="yes", CELERY_BROKER_URL=None, CACHE_URL=None)
    assert json.loads(result.stdout)["cache"] == "django.core.cache.backends.locmem.LocMemCache"
