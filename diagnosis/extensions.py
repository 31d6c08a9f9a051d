"""Extension points of the diagnosis app: places where higher apps (providers, subsidies) add
something to the result page, the PDF report and the regional dashboards without diagnosis importing them (docs/architecture.md, Layers).

A higher app registers in its ``AppConfig.ready()``; diagnosis renders whatever is registered and
nothing when a registry is empty. Registration is idempotent by key: registering a key again
replaces the entry, so autoreload and tests never duplicate one. Entries are read in ``order``,
then ``key``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from portal.extensions import Registry

if TYPE_CHECKING:
    from diagnosis.models import Assessment


@dataclass(frozen=True)
class ResultPanel:
    """A panel on the result page of a scored assessment, loaded after the page by htmx.

    The page shows a card titled ``title`` (pass a lazy translation) whose body is fetched with
    ``hx-get`` from ``url_name`` reversed with the assessment's pk as its only argument. That view
    gets the request and the pk, must check access itself (the page's own check does not carry
    over) and returns an HTML fragment, not a whole page. ``visible`` gets the signed-in user and
    the assessment and returns whether the panel is shown to them; without it everyone who may
    see the result sees the panel. ``key`` names the panel in the page (``id="panel-<key>"``).

    ``body_key`` (optional) gets the request and the assessment, checks nothing more than the page
    did, and returns the key under which the panel's view keeps its rendered body for this viewer
    in Django's cache (a key that changes whenever the body would). When that body is there, the
    page shows it at once instead of loading it: one request fewer and no jump in the layout.
    """

    key: str
    title: Any
    url_name: str
    order: int = 100
    visible: Callable[[Any, Assessment], bool] | None = None
    body_key: Callable[[Any, Assessment], str | None] | None = None


@dataclass(frozen=True)
class ReportSection:
    """A section of the PDF report, placed after the on-site diagnosis and before the review.

    ``build_context(assessment, language)`` gets the scored assessment and the report's language
    ("zh-hans" or "en"; it runs with that language active) and returns a mapping; ``template`` is
    included with the report's context and that mapping bound to ``section``. The template is
    rendered by WeasyPrint: no scripts, no remote files, autoescaping stays on. ``key`` names the
    section in the report (``id="section-<key>"``).
    """

    key: str
    template: str
    build_context: Callable[[Assessment, str], Mapping[str, Any]]
    order: int = 100


_result_panels: Registry[ResultPanel] = Registry()
_report_sections: Registry[ReportSection] = Registry()


def register_result_panel(panel: ResultPanel) -> ResultPanel:
    return _result_panels.register(panel)


def unregister_result_panel(key: str) -> None:
    _result_panels.unregister(key)


def result_panels(user, assessment: Assessment) -> list[ResultPanel]:
    """The panels ``user`` sees on ``assessment``'s result page, in order."""
    return [panel for panel in _result_panels.entries() if panel.visible is None or panel.visible(user, assessment)]


def register_report_section(section: ReportSection) -> ReportSection:
    return _report_sections.register(section)


def unregister_report_section(key: str) -> None:
    _report_sections.unregister(key)


def report_sections() -> list[ReportSection]:
    return _report_sections.entries()


@dataclass(frozen=True)
class RegionalPanel:
    """A panel on the regional dashboards (bureau staff), loaded after the page by htmx.

    The page shows a card titled ``title`` (pass a lazy translation) whose body is fetched with
    ``hx-get`` from ``url_name`` reversed without arguments, with the dashboard's filters as its
    query string (``region``, ``spec``, ``year``). That view gets the request, must check access
    itself (the region lies in the user's jurisdiction or it answers 404; the page's own check
    does not carry over) and returns an HTML fragment. ``tabs`` names the dashboard tabs it shows
    on ("index", "slices", "demand"); ``visible`` gets the signed-in user and returns whether the
    panel is shown to them. ``key`` names the panel in the page (``id="panel-<key>"``).
    """

    key: str
    title: Any
    url_name: str
    order: int = 100
    tabs: tuple[str, ...] = ("index",)
    visible: Callable[[Any], bool] | None = None


_regional_panels: Registry[RegionalPanel] = Registry()


def register_regional_panel(panel: RegionalPanel) -> RegionalPanel:
    return _regional_panels.register(panel)


def unregister_regional_panel(key: str) -> None:
    _regional_panels.unregister(key)


def regional_panels(user, tab: str) -> list[RegionalPanel]:
    """The panels ``user`` sees on the regional dashboard tab ``tab``, in order."""
    return [panel for panel in _regional_panels.entries()
            if tab in panel.tabs and (panel.visible is None or panel.visible(user))]


@dataclass(frozen=True)
class RegionalReportSection:
    """A chapter of the regional analysis report (diagnosis/regional_report), placed after the demand
    map and before the recommendations — the providers app registers "服务商生态" here.

    ``build_context(region, year, spec_key, language)`` gets the report's region (a
    ``portal.models.Region``: a district or a city), year, standard key and language ("zh-hans" or
    "en"; it runs with that language active) and returns a mapping; ``template`` is included with
    that mapping bound to ``section`` and ``title`` (pass a lazy translation) heads the chapter,
    numbered with the others. Return an empty mapping to leave the chapter out. Whatever the
    context depends on should also be folded into ``fingerprint(region, year, spec_key)`` (a short
    string, e.g. a count and a last-modified time), so a report is built afresh when it changes.
    The template is rendered by WeasyPrint: no scripts, no remote files, autoescaping stays on.
    """

    key: str
    title: Any
    template: str
    build_context: Callable[[Any, int, str, str], Mapping[str, Any]]
    fingerprint: Callable[[Any, int, str], str] | None = None
    order: int = 100


_regional_report_sections: Registry[RegionalReportSection] = Registry()


def register_regional_report_section(section: RegionalReportSection) -> RegionalReportSection:
    return _regional_report_sections.register(section)


def unregister_regional_report_section(key: str) -> None:
    _regional_report_sections.unregister(key)


def regional_report_sections() -> list[RegionalReportSection]:
    return _regional_report_sections.entries()
