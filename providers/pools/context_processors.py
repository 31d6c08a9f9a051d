"""The "resource pools" menu link: for bureau staff, experts and providers' members. A callable,
so only pages that draw the menu pay its query."""

from django.urls import reverse

from portal.permissions import nav_organisation_kinds
from portal.roles import is_bureau_staff, is_expert


def pools(request):
    user = getattr(request, "user", None)

    def link() -> str:
        if not user or not user.is_authenticated:
            return ""
        if is_bureau_staff(user) or is_expert(user):
            return reverse("providers:pool-home")
        if "provider" in nav_organisation_kinds(user):  # the query the main menu already made
            return reverse("providers:pool-home")
        return ""

    return {"nav_pools": link}
