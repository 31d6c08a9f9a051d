"""Rendered page bodies kept in the cache (issues #10 and #12: the result page, the dashboards).

Some pages cost far more to render than to serve: the result page builds benchmarks, roadmap and
tables; a dashboard builds figures and tables over the roll-up. Their body changes only when a
few known versions change (the assessment's ``updated_at``, the roll-up's data version, the
user's role). ``render_cached`` renders such a body once per key and serves the same HTML until
a version changes; the page around it (menu, messages, language switch) is rendered per request.

What the key always names, so that no caller can forget it: the template, the language, the
signed-in user (a body is never served to another user, whatever it shows) and the full path with
its query string. The caller names the versions of the data the body shows.

What can never be cached in a body is the CSRF token: every response carries its own masked
token. The body is rendered with a placeholder in its place and the request's own token is put
back on every read. The placeholder is derived from ``SECRET_KEY``, so no user can type it into
a field that a page shows and have someone else's token written there.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

TTL = 300  # seconds; bounds whatever a caller's versions do not track (region names, labels)
PREFIX = "portal:fragment:"


@lru_cache(maxsize=4)
def _placeholder(secret: str) -> str:
    return "csrf" + hmac.new(secret.encode(), b"portal.fragments.csrf", hashlib.sha256).hexdigest()[:40]


def csrf_placeholder() -> str:
    return _placeholder(settings.SECRET_KEY)


def fragment_key(request, template_name: str, versions: Iterable[Any]) -> str:
    user = getattr(request, "user", None)
    raw = "\x1f".join(str(p) for p in (
        template_name, translation.get_language(), getattr(user, "pk", None), request.get_full_path(), *versions))
    return PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def render_cached(request, template_name: str, *, versions: Iterable[Any],
                  context: Callable[[], Mapping[str, Any]], timeout: int = TTL,
                  store: Callable[[Mapping[str, Any]], bool] | None = None) -> SafeString:
    """``template_name`` rendered with ``context()`` (called only on a miss), kept for ``timeout``
    seconds under the request's user, language, path and ``versions`` — unless ``store(context)``
    says the body is not final yet (a part still loading, say): then the next request renders again."""
    return render_cached_parts(request, {"body": template_name}, versions=versions, context=context,
                               timeout=timeout, store=store)["body"]


def render_cached_parts(request, templates: Mapping[str, str], *, versions: Iterable[Any],
                        context: Callable[[], Mapping[str, Any]], timeout: int = TTL,
                        store: Callable[[Mapping[str, Any]], bool] | None = None) -> dict[str, SafeString]:
    """Several parts of one page (its title and its body, say) rendered from one ``context()`` and
    kept together, like ``render_cached``: a mapping of part name → HTML."""
    key = fragment_key(request, "\x1e".join(f"{name}={template}" for name, template in templates.items()), versions)
    parts = _local_get(key)
    if parts is None:
        parts = cache.get(key)
        if parts is not None:
            _local_put(key, parts, timeout)
    if parts is None:
        values = {**context(), "csrf_token": csrf_placeholder()}
        parts = {name: str(render_to_string(template, values, request=request)) for name, template in templates.items()}
        if store is None or store(values):
            cache.set(key, parts, timeout)
            _local_put(key, parts, timeout)
    placeholder = csrf_placeholder()
    token = get_token(request) if any(placeholder in html for html in parts.values()) else ""
    # The parts were rendered by our own templates (autoescaped); only the placeholder is replaced.
    return {name: mark_safe(html.replace(placeholder, token)) for name, html in parts.items()}  # noqa: S308


# A few recent bodies are also kept in the process, in front of the shared cache: a key names every
# version of what its body shows, so a body kept here is exactly as current as one read from Redis,
# and this spares the round trip and the unpickling on the hottest pages. Bounded in entries, and
# no entry outlives its TTL.
LOCAL_ENTRIES = 256
_local: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key: str) -> dict[str, str] | None:
    with _local_lock:
        entry = _local.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del _local[key]
            return None
        _local.move_to_end(key)
        return entry[1]


def _local_put(key: str, parts: dict[str, str], timeout: int) -> None:
    with _local_lock:
        _local[key] = (time.monotonic() + timeout, parts)
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def clear_local() -> None:
    """Forget the bodies kept in this process (tests empty the shared cache between them)."""
    with _local_lock:
        _local.clear()


# --- versions ----------------------------------------------------------------------------------------
# A named counter in the cache for data a body shows that has no cheap version of its own (an
# assessment's stated needs, say). A missing counter (never set, evicted) starts from a number never
# used before, so an eviction can never bring back a body keyed on an old value.

VERSION_PREFIX = "portal:version:"


def version(name: str) -> int:
    return versions(name)[0]


def versions(*names: str) -> list[int]:
    """The current value of each named version, read in one round trip to the cache (a page names
    several; each read is a network round trip with Redis)."""
    keys = [VERSION_PREFIX + name for name in names]
    found = cache.get_many(keys)
    missing = [key for key in keys if found.get(key) is None]
    for key in missing:
        cache.add(key, time.time_ns(), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return [found[key] for key in keys]


def _bump(name: str) -> None:
    key = VERSION_PREFIX + name
    try:
        cache.incr(key)
    except ValueError:  # missing: start from a number never used before
        cache.set(key, time.time_ns(), timeout=None)


def bump(name: str) -> None:
    """The data named ``name`` changed: now, and once more when the transaction commits (a body
    rendered by another request in between, from the data before the commit, is never read again)."""
    _bump(name)
    transaction.on_commit(lambda: _bump(name))
