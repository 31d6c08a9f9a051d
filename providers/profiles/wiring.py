"""What the profiles feature adds to lower layers' pages (home cards, landing lines, result panels),
registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def provider_panel(user) -> dict | None:
    """The provider member's profiles: completeness and where each stands."""
    from providers.profiles.selectors import profile_state, providers_of

    mine = providers_of(user)
    if not mine:
        return None
    rows = []
    for provider, writable in mine[:5]:
        state = profile_state(provider)
        rows.append({"provider": provider, "state": state, "writable": writable,
                     "share_percent": int(state.completeness.share * 100)})
    return {"rows": rows}


def staff_panel(user) -> dict | None:
    from portal.roles import is_bureau_staff
    from providers.profiles.selectors import age_days, pending_approvals

    if not is_bureau_staff(user):
        return None
    pending = pending_approvals(user)
    oldest = [(v, age_days(v.submitted_at)) for v in pending[:3]]
    return {"count": pending.count(), "oldest": oldest, "oldest_days": oldest[0][1] if oldest else 0}


def has_client_cases(user) -> bool:
    from providers.profiles.selectors import has_client_cases as has

    return bool(user.is_authenticated and not user.staff_role and has(user))


def register() -> None:
    from portal.extensions import (
        HomeCard,
        HomePanel,
        LandingLine,
        register_home_card,
        register_home_panel,
        register_landing_line,
    )
    from portal.permissions import is_provider_user
    from portal.roles import is_bureau_staff

    register_home_panel(HomePanel(key="profiles-provider", template="providers/profiles/workbench/provider.html",
                                  data=provider_panel, order=20))
    register_home_panel(HomePanel(key="profiles-review", template="providers/profiles/workbench/staff.html",
                                  data=staff_panel, order=20))
    register_home_card(HomeCard(
        key="profiles-mine", title=_("My capability profile"), url_name="providers:profile-mine", order=20,
        description=_("Keep your capability profile up to date; bureau staff approve each change before it is "
                      "published."), visible=is_provider_user))
    register_home_card(HomeCard(
        key="profiles-review", title=_("Provider profile approvals"), url_name="providers:profile-review-queue",
        order=20, description=_("Check providers' new profiles and changes, then approve or return them."),
        visible=is_bureau_staff))
    register_home_card(HomeCard(
        key="profiles-cases", title=_("Case confirmations"), url_name="providers:profile-cases", order=30,
        description=_("Confirm the projects service providers say they delivered for your enterprise."),
        visible=has_client_cases))
    register_landing_line(LandingLine(
        key="profiles-provider", audience="provider",
        text=_("Keep a capability profile (qualifications, capability areas, apps, solutions and cases), published "
               "once bureau staff approve it.")))
    register_landing_line(LandingLine(
        key="profiles-review", audience="staff",
        text=_("Approve providers' capability profiles and every change to them, with a diff of what changed.")))
