"""Scoping and object access. Every list and fetch of business data goes through these functions:
an object outside the user's scope answers 404 (its existence is not confirmed), a visible object
without write rights answers 403 (healthchecks' _get_check_for_user / _get_rw_check_for_user)."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portal.roles import WRITE_ROLES, StaffRole


def staff_region_path(user) -> str | None:
    """The region subtree bureau staff may see; None for everyone else."""
    if user.staff_role in (StaffRole.DISTRICT, StaffRole.CITY) and user.region_id:
        return user.region.path
    return None


def scope_organisations(queryset: QuerySet, user) -> QuerySet:
    """Enterprises or providers visible to `user`: members see their own organisations, district
    staff their district, city staff every district of their city. Experts and the three
    administrators see none (experts get assessments assigned to them, not organisations)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    path = staff_region_path(user)
    if path is not None:
        return queryset.filter(region__path__startswith=path)
    if user.staff_role:
        return queryset.none()
    return queryset.filter(memberships__user=user).distinct()


def _exists(model, pk) -> bool:
    return str(pk).isdigit() and model.objects.filter(pk=pk).exists()


def member_role(user, organisation) -> str | None:
    if not user.is_authenticated:
        return None
    membership = organisation.memberships.filter(user=user).only("role").first()
    return membership.role if membership else None


def get_enterprise_for_user(user, pk, *, write: bool = False, request=None):
    from portal.models import Enterprise

    return _get_org_for_user(Enterprise, user, pk, write=write, request=request)


def get_provider_for_user(user, pk, *, write: bool = False, request=None):
    from portal.models import Provider

    return _get_org_for_user(Provider, user, pk, write=write, request=request)


def _get_org_for_user(model, user, pk, *, write: bool, request):
    from portal.audit import audit_denied

    try:
        obj = model.objects.visible_to(user).select_related("region").get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        # Probing someone else's object is worth an audit row; a plain typo is not.
        if _exists(model, pk):
            audit_denied(request, user, "access.denied", model._meta.model_name, pk)
        raise Http404 from None
    # Organisation data is written by its owners/editors; bureau staff act through verification.
    if write and member_role(user, obj) not in WRITE_ROLES:
        audit_denied(request, user, "access.write_denied", model._meta.model_name, pk)
        raise PermissionDenied
    return obj


def get_assessment_for_user(user, pk, *, write: bool = False, request=None):
    """An assessment the user may see (404 otherwise); with write=True the user must be an owner or
    editor of its enterprise (403 otherwise). Whether the assessment is still editable is the
    service's business, so the user gets a clear message rather than a bare 403."""
    from diagnosis.models import Assessment
    from portal.audit import audit_denied

    try:
        obj = Assessment.objects.visible_to(user).select_related("enterprise__region").get(pk=pk)
    except (Assessment.DoesNotExist, ValueError, TypeError):
        if _exists(Assessment, pk):
            audit_denied(request, user, "access.denied", "assessment", pk)
        raise Http404 from None
    if write and not obj.enterprise.memberships.filter(user=user, role__in=WRITE_ROLES).exists():
        audit_denied(request, user, "access.write_denied", "assessment", pk)
        raise PermissionDenied
    return obj
