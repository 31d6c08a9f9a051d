"""Pages for personal data: the public privacy notice and a person's own page (download, consents,
deletion request)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.audit import audit_log
from portal.exceptions import DomainError
from portal.privacy import notices, selectors, services
from portal.privacy.forms import ErasureForm


def privacy_notice(request):
    notice = notices.current("registration")
    return render(request, "portal/privacy/notice.html", {"notice": notice})


@never_cache
@login_required
def my_data(request, form=None):
    user = request.user
    form = form or ErasureForm(user=user)
    return render(request, "portal/privacy/mine.html", {
        "consents": selectors.consents_of(user), "pending": selectors.pending_erasure(user), "form": form,
        "notice": notices.current("registration")})


@never_cache
@login_required
def my_data_download(request):
    data = selectors.export_json(request.user)
    audit_log(action="privacy.export", request=request, obj=request.user)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="personal-data-{request.user.pk}-{stamp}.json"'
    return response


@login_required
@require_POST
def erasure_request(request):
    form = ErasureForm(request.POST, user=request.user)
    if not form.is_valid():
        return my_data(request, form=form)
    try:
        erasure = services.erasure_request(user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your deletion request is recorded. It will be carried out by %(date)s; "
                                    "until then you may cancel it here.")
                         % {"date": timezone.localtime(erasure.due_at).strftime("%Y-%m-%d")})
    return redirect("portal:my-data")


@login_required
@require_POST
def erasure_cancel(request):
    try:
        services.erasure_cancel(user=request.user, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your deletion request is cancelled."))
    return redirect("portal:my-data")
