"""A version number for everything the public registry pages show, and a cache keyed on it.

The directory lists and the provider portrait are the registry's hottest pages and change only
when a profile is published (the projection, ``providers/profiles/projection.py``, the single write
path of the listings) or a pool or its membership changes. Each of those bumps the version, so a
cached page is never served after the data behind it changed: its key names the old version.
Django's cache framework holds both (Redis when configured, so every worker sees one version;
locmem otherwise), and a TTL bounds what reference data (region names) the version does not track.

The version is bumped at once (the same request then renders fresh pages) and again after the
transaction commits: a page rendered by another request between the two, from the data before the
commit, is keyed on the intermediate version and never read again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.utils import translation

from portal import fragments
from portal.fragments import VERSION_PREFIX

VERSION_NAME = "providers:registry"  # a portal.fragments version
VERSION_KEY = VERSION_PREFIX + VERSION_NAME  # where it lives in the cache
PAGE_TTL = 300  # seconds; bounds the staleness of what the version does not cover (region names)


def version() -> int:
    return fragments.version(VERSION_NAME)


def bump() -> None:
    """The registry's public data changed: now, and once more when the transaction commits."""
    fragments.bump(VERSION_NAME)


def key(*parts: Any, registry_version: int | None = None) -> str:
    """A cache key for a page part: the registry version (read here unless the caller read it
    already, with others in one round trip), the language and ``parts``."""
    current = version() if registry_version is None else registry_version
    raw = "\x1f".join(str(p) for p in (current, translation.get_language(), *parts))
    return "providers:page:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(cache_key: str, build: Callable[[], Any], *, timeout: int = PAGE_TTL,
           store: Callable[[Any], bool] | None = None) -> Any:
    """The cached value, or ``build()``'s, kept for ``timeout`` seconds unless ``store`` says no."""
    value = cache.get(cache_key)
    if value is None:
        value = build()
        if store is None or store(value):
            cache.set(cache_key, value, timeout)
    return value
