"""What the pools feature adds to lower layers' pages (home cards, landing lines, result panels),
registered from ProvidersConfig.ready()."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.roles import is_bureau_staff, is_expert


def _staff_has_work(user) -> bool:
    from providers.pools import selectors

    return is_bureau_staff(user) and (selectors.pending_applications(user).exists()
                                      or selectors.due_rechecks(user, timezone.localdate()).exists())


def _expert_has_sheets(user) -> bool:
    from providers.pools import selectors

    return is_expert(user) and selectors.pending_sheets(user).exists()


def _is_provider(user) -> bool:
    from providers.pools import selectors

    return selectors.my_providers(user).exists()


def register() -> None:
    from portal.extensions import HomeCard, LandingLine, register_home_card, register_landing_line

    register_home_card(HomeCard(
        key="pools-staff", title=_("Resource pools: work waiting"), url_name="providers:pool-manage", order=40,
        description=_("Applications waiting for a form check, expert review or a decision, and members whose "
                      "yearly re-check is due."),
        visible=_staff_has_work))
    register_home_card(HomeCard(
        key="pools-expert", title=_("My review tasks"), url_name="providers:pool-tasks", order=40,
        description=_("Pool applications waiting for your score sheet."), visible=_expert_has_sheets))
    register_home_card(HomeCard(
        key="pools-provider", title=_("Resource pools"), url_name="providers:pool-mine", order=40,
        description=_("Open calls, the status of your applications and your pool memberships."),
        visible=_is_provider))
    register_landing_line(LandingLine(
        key="pools-staff", audience="staff",
        text=_("Run the service-provider resource pools: calls, form checks, expert review, public notice, "
               "admission and yearly re-checks.")))
