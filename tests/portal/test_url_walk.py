"""Deny by default (docs/security.md R6): walk the URLconf, request every route anonymously and expect
a redirect to the sign-in page, 401 or 403 — unless the route is on the short public allowlist.
New routes are covered automatically."""

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

# Public on purpose. Keep this list short and explain each entry.
PUBLIC = {
    "portal:home": "landing page",
    "portal:login": "sign-in",
    "portal:register": "self-registration (creates pending organisations only)",
    "portal:password-reset": "forgotten-password form (answers the same for any address)",
    "portal:password-reset-done": "static confirmation page",
    "portal:password-reset-confirm": "one-time set-password link (token-checked)",
    "healthz": "load-balancer health check, status words only",
    "report-verify": "public report verification by the code printed in the PDF (minimal facts only)",
    "robots": "robots.txt",
    "portal:privacy": "the personal information notice (PIPL Art. 17: shown before anyone registers)",
    "regional:public": "public regional index: aggregates only, no cell under 5 enterprises (issue #12)",
    "regional:report-verify": "public regional report verification by the code printed in the PDF (cover facts only)",
    "set_language": "language switch (POST only)",
    "api-token": "token exchange (POST only, password + TOTP)",
    "portal:logout": "logout (POST only; GET answers 405)",
    "admin:logout": "the same POST-only logout as portal:logout",
    "providers:pools": "the published resource pools (public by design, like the directory)",
    "providers:pool-notice": "a pool's public notice (公示): the point is that anyone can read it",
    "subsidies:programmes": "the open subsidy programmes and their rules (public by design, issue #11)",
    "subsidies:programme-public": "one published programme's rules in plain words (published versions only)",
    "api-subsidy-programmes": "the open subsidy programmes through the API (same data as subsidies:programmes)",
    "api-subsidy-programme": "one published programme through the API (same data as subsidies:programme-public)",
    "providers:pool-members": "a pool's published member list",
    "api-registry-pools": "the published resource pools through the API (same data as providers:pools)",
    # The provider directory is public by design (issue #9): published, bureau-approved profiles only.
    "providers:directory": "public provider directory",
    "providers:solutions": "public solution list",
    "providers:apps": "public industrial-app list",
    "providers:solution-map": "public solution map (counts of published solutions)",
    "providers:portrait": "public provider portrait (published profile only)",
    "api-registry-providers": "public directory API (published providers)",
    "api-registry-solutions": "public directory API (published solutions)",
    "api-registry-apps": "public directory API (published apps)",
    # Ratings by measured outcome (issue #10): aggregates over n ≥ 3 engagements, shown on portraits.
    "providers:outcome-method": "how the outcome rating is computed (public documentation)",
    "api-registry-outcome-ratings": "published outcome ratings (aggregates, n ≥ 3), as on the portraits",
    # Subsidy public notice (公示, issue #11): anyone may read it and object, anonymously with a contact.
    "subsidies:notice": "subsidy public notice (公示): applications in notice, public by design",
    "subsidies:notice-object": "an objection to a subsidy in notice (POST only; anonymous objections leave a contact)",
}

_SAMPLES = {"kind": "enterprise", "pk": "1"}


def _fill_route(route: str) -> str:
    def converter(match):
        conv, name = match.group(1), match.group(2)
        if name in _SAMPLES:
            return _SAMPLES[name]
        return {"int": "1", "slug": "x", "str": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}[
            conv or "str"]

    return re.sub(r"<(?:(\w+):)?(\w+)>", converter, route)


def _fill_regex(regex: str) -> str:
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")

    def group(match):
        body = match.group(2)
        if "|" in body:
            return body.split("|")[0].strip("()")
        return _SAMPLES.get(match.group(1), "1")

    regex = re.sub(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)", group, regex)
    return regex.replace("\\", "")


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        text = str(p.pattern)
        part = _fill_regex(text) if text.startswith("^") else _fill_route(text)
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if ns and namespace and p.namespace:
                ns = f"{namespace}:{p.namespace}"
            yield from _walk(p.url_patterns, prefix + part, ns)
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield name, "/" + prefix + part


ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


def test_the_walk_finds_the_routes():
    names = {name for name, _url in ROUTES}
    assert {"portal:enterprise-detail", "api-enterprises", "api-schema", "admin:index"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), ROUTES, ids=[f"{n} {u}" for n, u in ROUTES])
def test_anonymous_is_refused(client, name, url):
    response = client.get(url)
    if name in PUBLIC:
        assert response.status_code in (200, 302, 404, 405), (name, url, response.status_code)
        return
    if url.startswith("/api/"):
        assert response.status_code in (401, 403), (url, response.status_code)
    else:
        assert response.status_code == 302, (url, response.status_code)
        # Admin pages bounce through the admin's login URL, which itself redirects to ours.
        login_urls = ("/accounts/login/", f"/{settings.ADMIN_URL}login/")
        assert response["Location"].startswith(login_urls), response["Location"]
