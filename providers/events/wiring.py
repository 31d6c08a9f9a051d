"""What matchmaking events add to lower layers' pages (a staff home card, a landing line),
registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from portal.roles import is_bureau_staff, staff_region_path


def _staff(user) -> bool:
    return is_bureau_staff(user) and staff_region_path(user) is not None


def register() -> None:
    from portal.extensions import HomeCard, LandingLine, register_home_card, register_landing_line
    from portal.jobs import register_sweeper
    from providers.events.tasks import sweep_pairing_jobs

    register_home_card(HomeCard(
        key="events-staff", title=_("Matchmaking events"), url_name="providers:events", order=45,
        description=_("Supply–demand matchmaking events (供需对接会): invite enterprises and pool providers, "
                      "generate pairing suggestions, record meetings and outcomes."),
        visible=_staff))
    register_landing_line(LandingLine(
        key="events-staff", audience="staff",
        text=_("Hold supply–demand matchmaking events: pair diagnosed enterprises with pool providers and follow "
               "each pairing to an agreement.")))
    register_sweeper("providers-pairing-jobs", sweep_pairing_jobs)
