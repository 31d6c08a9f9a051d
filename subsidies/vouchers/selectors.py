"""Reads of vouchers, scoped by ``visible_to``."""

from portal.roles import StaffRole, staff_region_path
from subsidies.models import Programme, ProgrammeVersion
from subsidies.vouchers.models import Voucher
from subsidies.vouchers.services import VOUCHER_INSTRUMENTS


def vouchers_for(user, status: str = ""):
    rows = Voucher.objects.visible_to(user).select_related("enterprise", "provider", "version__programme", "region")
    if status in Voucher.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-issued_at", "pk")


def issuable_versions(user):
    """Published voucher programme versions visible to the staff member (their region or above)."""
    path = staff_region_path(user)
    if path is None or user.staff_role not in (StaffRole.DISTRICT, StaffRole.CITY):
        return ProgrammeVersion.objects.none()
    return (ProgrammeVersion.objects.filter(status=ProgrammeVersion.Status.PUBLISHED,
                                            programme__instrument__in=VOUCHER_INSTRUMENTS,
                                            programme__in=Programme.objects.visible_to(user))
            .select_related("programme").order_by("programme__name"))
