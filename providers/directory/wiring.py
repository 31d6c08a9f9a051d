"""What the directory feature adds to lower layers' pages (home cards, landing lines, result panels),
registered from ProvidersConfig.ready()."""

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from portal.extensions import LandingLine, register_landing_line

    text = _("Service provider directory and solution map (open without signing in).")
    for audience in ("enterprise", "provider"):
        register_landing_line(LandingLine(key=f"providers-directory-{audience}", audience=audience, text=text,
                                          order=50))
