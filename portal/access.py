"""Object access. Every fetch of one business object goes through `get_for_user`: an object outside
the user's scope answers 404 (its existence is not confirmed), a visible object without write rights
answers 403, and either refusal of a real object is audited (healthchecks' _get_check_for_user /
_get_rw_check_for_user).

The scoping itself lives on each model's queryset, in its own app: `visible_to(user)` (what the
user may see) and `writable_by(user)` (what the user may change). This module knows no model.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from portal.audit import audit_denied


def _exists(model, pk) -> bool:
    return str(pk).isdigit() and model._default_manager.filter(pk=pk).exists()


def get_for_user(queryset: QuerySet, pk, *, user, write: bool = False, request=None):
    """The object `pk` of `queryset` if `user` may see it (404 otherwise); with write=True the user
    must also be allowed to change it (403 otherwise). Whether the object's state allows the change
    (a submitted assessment, say) is the service's business, so the user gets a clear message
    rather than a bare 403."""
    model = queryset.model
    name = model._meta.model_name
    try:
        obj = queryset.visible_to(user).get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        # Probing someone else's object is worth an audit row; a plain typo is not.
        if _exists(model, pk):
            audit_denied(request, user, "access.denied", name, pk)
        raise Http404 from None
    if write and not queryset.writable_by(user).filter(pk=obj.pk).exists():
        audit_denied(request, user, "access.write_denied", name, pk)
        raise PermissionDenied
    return obj
