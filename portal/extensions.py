"""Extension points of the portal core: places where higher apps (diagnosis, providers, subsidies)
add something to portal pages without the portal importing them (docs/architecture.md, Layers).

A higher app registers in its ``AppConfig.ready()``; the portal renders whatever is registered and
nothing when the registry is empty. Registration is idempotent by key: registering a key again
replaces the entry, so autoreload and tests never duplicate one. ``Registry`` is the generic part,
shared with the registries of higher apps (``diagnosis/extensions.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar


class _Entry(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def order(self) -> int: ...


E = TypeVar("E", bound=_Entry)


class Registry(Generic[E]):
    """Entries by key, read in ``(order, key)`` order. Filled at start-up, read per request."""

    def __init__(self) -> None:
        self._entries: dict[str, E] = {}

    def register(self, entry: E) -> E:
        self._entries[entry.key] = entry
        return entry

    def unregister(self, key: str) -> None:
        self._entries.pop(key, None)

    def entries(self) -> list[E]:
        return sorted(self._entries.values(), key=lambda e: (e.order, e.key))


@dataclass(frozen=True)
class HomeCard:
    """A card on the signed-in home page (every role's: member, bureau staff, expert, admin).

    ``url_name`` is reversed without arguments and is where the card links to; ``title`` is the
    link text and ``description`` an optional line under it (pass lazy translations). ``visible``
    gets the signed-in user and returns whether the card is shown to them; without it every
    signed-in user sees the card. Cards are shown by ``order``, then ``key``; ``key`` also names the
    card in the page (``data-home-card``).
    """

    key: str
    title: Any
    url_name: str
    order: int = 100
    description: Any = ""
    visible: Callable[[Any], bool] | None = None


_home_cards: Registry[HomeCard] = Registry()


def register_home_card(card: HomeCard) -> HomeCard:
    return _home_cards.register(card)


def unregister_home_card(key: str) -> None:
    _home_cards.unregister(key)


def home_cards(user) -> list[HomeCard]:
    """The cards ``user`` (signed in) sees on the home page, in order."""
    return [card for card in _home_cards.entries() if card.visible is None or card.visible(user)]


LANDING_AUDIENCES = ("enterprise", "provider", "staff")


@dataclass(frozen=True)
class LandingLine:
    """One line on the public landing page saying what an audience can do here. The page promises
    only what is installed: each app registers the lines for the features it really has.

    ``audience`` is one of LANDING_AUDIENCES (the card the line goes in); ``text`` a lazy
    translation. Lines are shown by ``order``, then ``key``."""

    key: str
    audience: str
    text: Any
    order: int = 100


_landing_lines: Registry[LandingLine] = Registry()


def register_landing_line(line: LandingLine) -> LandingLine:
    if line.audience not in LANDING_AUDIENCES:
        raise ValueError(f"unknown landing audience {line.audience!r}")
    return _landing_lines.register(line)


def unregister_landing_line(key: str) -> None:
    _landing_lines.unregister(key)


def landing_lines() -> dict[str, list[LandingLine]]:
    """The registered lines by audience, each list in order."""
    lines: dict[str, list[LandingLine]] = {audience: [] for audience in LANDING_AUDIENCES}
    for line in _landing_lines.entries():
        lines[line.audience].append(line)
    return lines


@dataclass(frozen=True)
class HomePanel:
    """A working panel on a role's home page (the "workbench"): what is waiting for this user now.

    ``data(user)`` returns the template context for ``template`` (as ``panel``), or None when the
    panel has nothing to say to that user: the panel is then left out. Panels are shown by
    ``order``, then ``key``, above the cards. Keep ``data`` to a few indexed queries: every home
    page load runs it."""

    key: str
    template: str
    data: Callable[[Any], dict | None]
    order: int = 100


_home_panels: Registry[HomePanel] = Registry()


def register_home_panel(panel: HomePanel) -> HomePanel:
    return _home_panels.register(panel)


def unregister_home_panel(key: str) -> None:
    _home_panels.unregister(key)


def home_panels(user) -> list[dict]:
    """The panels ``user`` sees, each as {"key", "template", "panel": its data}."""
    shown = []
    for panel in _home_panels.entries():
        data = panel.data(user)
        if data is not None:
            shown.append({"key": panel.key, "template": panel.template, "panel": data})
    return shown
