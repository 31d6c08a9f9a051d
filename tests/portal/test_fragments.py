"""portal/fragments.py: a cached body is keyed on the user, language and path, carries the request's
own CSRF token, and a lost version never brings an old body back."""

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from portal import fragments
from tests.factories.portal import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(db):
    return [UserFactory(), UserFactory()]


def _request(user, path="/x/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_the_body_is_rendered_once_per_key_and_never_for_another_user(users):
    calls = []

    def context():
        calls.append(1)
        return {"n": len(calls)}

    template = "partials/pagination.html"
    first = fragments.render_cached(_request(users[0]), template, versions=("v1",), context=context)
    fragments.render_cached(_request(users[0]), template, versions=("v1",), context=context)
    assert len(calls) == 1
    fragments.render_cached(_request(users[1]), template, versions=("v1",), context=context)
    fragments.render_cached(_request(users[0], path="/y/"), template, versions=("v1",), context=context)
    fragments.render_cached(_request(users[0]), template, versions=("v2",), context=context)
    assert len(calls) == 4
    assert isinstance(first, str)


def test_the_csrf_token_is_the_requests_own(settings, tmp_path, users):
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    (tmp_path / "form.html").write_text("<form>{% csrf_token %}</form>")
    stored = fragments.render_cached(_request(users[0]), "form.html", versions=(), context=dict)
    assert fragments.csrf_placeholder() not in stored
    cached = next(v for k, v in cache._cache.items() if "fragment" in k) if hasattr(cache, "_cache") else None
    if cached is not None:
        import pickle

        assert fragments.csrf_placeholder() in pickle.loads(cached)["body"]
    again = fragments.render_cached(_request(users[0]), "form.html", versions=(), context=dict)
    token = again.split('value="', 1)[1].split('"', 1)[0]
    assert len(token) == 64 and fragments.csrf_placeholder() not in again


def test_a_lost_version_never_comes_back():
    old = fragments.version("t")
    fragments.bump("t")
    bumped = fragments.version("t")
    assert bumped != old
    cache.delete(fragments.VERSION_PREFIX + "t")
    assert fragments.version("t") not in (old, bumped)
