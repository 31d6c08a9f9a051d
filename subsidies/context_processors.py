"""The "Subsidies" menu link, by role: bureau staff → the review queue, experts → their review
tasks, enterprise members → their applications and open programmes, providers' members → the
vouchers they redeem. A callable, so only pages that draw the menu pay for it (portal's menu
template reads ``nav_subsidies``; portal does not import subsidies)."""

from django.urls import reverse

from portal.permissions import nav_organisation_kinds
from portal.roles import is_bureau_staff, is_expert


def subsidies(request):
    user = getattr(request, "user", None)

    def link() -> str:
        if not user or not user.is_authenticated:
            return ""
        if is_bureau_staff(user):
            return reverse("subsidies:review-queue")
        if is_expert(user):
            return reverse("subsidies:review-tasks")
        if user.staff_role:
            return ""
        kinds = nav_organisation_kinds(user)  # the query the main menu already made
        if "enterprise" in kinds:
            return reverse("subsidies:mine")
        if "provider" in kinds:
            return reverse("vouchers:list")
        return ""

    return {"nav_subsidies": link}
