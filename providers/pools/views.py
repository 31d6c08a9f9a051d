"""Resource-pool pages: staff (pools, the application queue and review page, due re-checks,
appeals, complaints), experts (their score sheets), providers (open calls, applications,
memberships, appeals), enterprises (rate / complain about a provider), and the public notice and
member lists.

Access: 404 outside the user's scope (portal.access), 403 in scope without the role. A refused
action shows the page again with the reason: 422 for invalid input, 409 when the row moved on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import get_for_user
from portal.errors import status_for
from portal.exceptions import DomainError, Forbidden
from portal.models import Enterprise, Provider
from portal.roles import WRITE_ROLES, is_bureau_staff, is_expert
from providers.models import Appeal, Complaint, ExpertScore, Objection, Pool, PoolApplication, PoolMember
from providers.pools import forms, selectors, services, workflow
from providers.pools.workflow import STAFF


def _parts() -> list[tuple[str, int]]:
    """The score sheet's parts with their (provisional) weights in percent, for the pages."""
    titles = {"basic": _("Basic information"), "capability": _("Service capability"),
              "delivery": _("Delivery performance"), "discount": _("Discount offered to SMEs")}
    return [(titles[p.code], int(p.weight * 100)) for p in workflow.PARTS]


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _run(request, form, perform, *, done: str, back: str, page):
    """Run one action from a bound form: success → redirect with a message; invalid input → the
    page with the reason (422); a conflict or wrong state → the current page (409 / 422)."""
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": _form_errors(form)})
        return page(status=422)
    try:
        perform(form.cleaned_data)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return page(status=status_for(exc))
    messages.success(request, done)
    return redirect(back)


def _staff_only(request):
    if not is_bureau_staff(request.user):
        raise PermissionDenied


# ─── entry point for the nav link ────────────────────────────────────────────────────────────


@login_required
@require_GET
def home(request):
    """Where the "resource pools" link leads each role."""
    if is_bureau_staff(request.user):
        return redirect("providers:pool-manage")
    if is_expert(request.user):
        return redirect("providers:pool-tasks")
    if selectors.my_providers(request.user).exists():
        return redirect("providers:pool-mine")
    return redirect("providers:pools")


# ─── public pages ────────────────────────────────────────────────────────────────────────────


@require_GET
def public_list(request):
    today = timezone.localdate()
    pools = list(selectors.public_pools())
    for pool in pools:
        pool.call_open = services.call_is_open(pool, today)
    return render(request, "providers/pools/public_list.html", {"pools": pools})


def _public_pool(pk) -> Pool:
    return get_object_or_404(Pool.objects.exclude(status=Pool.Status.DRAFT).select_related("region"), pk=pk)


def _notice_page(request, pool, *, status=200):
    today = timezone.localdate()
    rows = list(selectors.notice_rows(pool, today))
    for row in rows:
        row.running = workflow.in_notice(today, row.notice_starts, row.notice_ends)
        row.band = selectors.band_label(row.total_score)
    return render(request, "providers/pools/notice.html", {
        "pool": pool, "rows": rows, "objection_form": forms.ObjectionForm(),
        "can_object": request.user.is_authenticated}, status=status)


@require_GET
def notice(request, pk):
    return _notice_page(request, _public_pool(pk))


@login_required
@require_POST
def objection_file(request, pk, application_pk):
    pool = _public_pool(pk)
    application = get_object_or_404(PoolApplication, pk=application_pk, pool=pool,
                                    status=PoolApplication.Status.NOTICE)
    return _run(request, forms.ObjectionForm(request.POST),
                lambda data: services.objection_file(application=application, actor=request.user, text=data["text"],
                                                     request=request),
                done=_("Your objection is recorded; the bureau will resolve it before deciding."),
                back=reverse("providers:pool-notice", args=[pool.pk]),
                page=lambda status: _notice_page(request, pool, status=status))


@require_GET
def members(request, pk):
    pool = _public_pool(pk)
    return render(request, "providers/pools/members.html", {"pool": pool, "members": selectors.public_members(pool)})


# ─── staff: pools ────────────────────────────────────────────────────────────────────────────


@login_required
@require_GET
def manage(request):
    _staff_only(request)
    today = timezone.localdate()
    return render(request, "providers/pools/manage.html", {
        "pools": selectors.managed_pools(request.user),
        "due_count": selectors.due_rechecks(request.user, today).count(),
        "appeal_count": selectors.open_appeals(request.user).count(),
        "complaint_count": selectors.staff_complaints(request.user).filter(status=Complaint.Status.OPEN).count(),
    })


def _pool_values(data) -> dict:
    return {k: data[k] for k in services.POOL_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def pool_create(request):
    _staff_only(request)
    regions = selectors.jurisdiction_regions(request.user)
    form = forms.PoolForm(request.POST or None, regions=regions,
                          initial={"year": timezone.localdate().year, "region": request.user.region_id})

    def page(status=200):
        return render(request, "providers/pools/pool_form.html", {"form": form, "pool": None}, status=status)

    if request.method == "GET":
        return page()
    created = {}
    response = _run(request, form, lambda data: created.setdefault("pool", services.pool_create(
        actor=request.user, region=data["region"], values=_pool_values(data), request=request)),
        done=_("The pool is created. Open it to accept applications."), back=reverse("providers:pool-manage"),
        page=page)
    if "pool" in created:
        return redirect("providers:pool-detail", created["pool"].pk)
    return response


def _managed_pool(request, pk) -> Pool:
    _staff_only(request)
    return get_for_user(Pool.objects.managed_by(request.user).select_related("region"), pk, user=request.user,
                        request=request)


@login_required
@require_http_methods(["GET", "POST"])
def pool_edit(request, pk):
    pool = _managed_pool(request, pk)
    initial = {f: getattr(pool, f) for f in services.POOL_FIELDS}
    form = forms.PoolForm(request.POST or None, regions=None, editing=pool, initial=initial)

    def page(status=200):
        return render(request, "providers/pools/pool_form.html", {"form": form, "pool": pool}, status=status)

    if request.method == "GET":
        return page()
    return _run(request, form, lambda data: services.pool_update(pool=pool, actor=request.user,
                                                                  values=_pool_values(data), request=request),
                done=_("Saved."), back=reverse("providers:pool-detail", args=[pool.pk]), page=page)


def _pool_page(request, pool, *, status=200):
    today = timezone.localdate()
    return render(request, "providers/pools/pool_detail.html", {
        "pool": pool, "groups": selectors.queue(pool, today),
        "members": pool.members.select_related("provider").order_by("status", "provider__name"),
        "today": today,
    }, status=status)


@login_required
@require_GET
def pool_detail(request, pk):
    return _pool_page(request, _managed_pool(request, pk))


@login_required
@require_POST
def pool_status(request, pk, status):
    pool = _managed_pool(request, pk)
    if status not in (Pool.Status.OPEN, Pool.Status.CLOSED):
        raise Http404
    try:
        services.pool_set_status(pool=pool, actor=request.user, status=status, request=request)
    except Forbidden:
        raise PermissionDenied from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return _pool_page(request, pool, status=status_for(exc))
    messages.success(request, _("The call is open.") if status == Pool.Status.OPEN else _("The call is closed."))
    return redirect("providers:pool-detail", pool.pk)


# ─── staff: the application review page ──────────────────────────────────────────────────────


def _staff_application(request, pk) -> PoolApplication:
    application = get_for_user(PoolApplication.objects.select_related("pool__region", "provider", "profile_version"),
                               pk, user=request.user, request=request)
    if services.actor_kind(request.user, application) != STAFF:
        raise PermissionDenied
    return application


def _application_page(request, application, *, status=200):
    application.refresh_from_db()
    today = timezone.localdate()
    actions = workflow.allowed_actions(application.status, STAFF)
    version = {"state_version": application.state_version}
    average = services.score_average(application)
    blockers = services.admission_blockers(application, today) if application.status == "notice" else ()
    return render(request, "providers/pools/application.html", {
        "application": application, "pool": application.pool, "actions": actions, "average": average,
        "sheets": selectors.sheets_of(application), "objections": selectors.objections_of(application),
        "parts": _parts(),
        "check_form": forms.CheckForm(initial=version), "notice_version": application.state_version,
        "assign_form": forms.AssignExpertForm(initial=version, experts=selectors.expert_pool(application)),
        "decide_form": forms.DecideForm(initial=version), "resolve_form": forms.ResolveForm(),
        "blockers": [services.blocker_message(code) for code in blockers],
        "timeline": selectors.timeline(application), "listing_url": _listing_url(application.provider_id),
        "profile": selectors.profile_summary(application.profile_version, today),
    }, status=status)


def _listing_url(provider_pk) -> str:
    """The provider's public portrait (the directory feature's page)."""
    return reverse("providers:portrait", args=[provider_pk])


@login_required
@require_GET
def application_review(request, pk):
    return _application_page(request, _staff_application(request, pk))


def _staff_action(request, pk, form_class, perform, done, **form_kwargs):
    application = _staff_application(request, pk)
    form = form_class(request.POST, **{k: v(application) for k, v in form_kwargs.items()})
    return _run(request, form, lambda data: perform(application, data), done=done,
                back=reverse("providers:pool-application", args=[application.pk]),
                page=lambda status: _application_page(request, application, status=status))


@login_required
@require_POST
def application_check(request, pk):
    return _staff_action(request, pk, forms.CheckForm, lambda a, d: services.form_check(
        application=a, actor=request.user, outcome=d["outcome"], note=d["note"],
        expected_version=d["state_version"], request=request), _("The form check is recorded."))


@login_required
@require_POST
def application_assign(request, pk):
    return _staff_action(request, pk, forms.AssignExpertForm, lambda a, d: services.expert_assign(
        application=a, actor=request.user, expert=d["expert"], expected_version=d["state_version"], request=request),
        _("The expert is assigned and sees the score sheet under “My review tasks”."),
        experts=selectors.expert_pool)


@login_required
@require_POST
def application_notice(request, pk):
    return _staff_action(request, pk, forms.VersionedForm, lambda a, d: services.notice_publish(
        application=a, actor=request.user, expected_version=d["state_version"], request=request),
        _("The public notice is published."))


@login_required
@require_POST
def application_decide(request, pk):
    return _staff_action(request, pk, forms.DecideForm, lambda a, d: services.application_decide(
        application=a, actor=request.user, admit=d["decision"] == "admit", note=d["note"],
        expected_version=d["state_version"], request=request), _("The decision is recorded."))


@login_required
@require_POST
def objection_resolve(request, pk):
    objection = get_for_user(Objection.objects.select_related("application"), pk, user=request.user, request=request)
    application = _staff_application(request, objection.application_id)
    return _run(request, forms.ResolveForm(request.POST), lambda d: services.objection_resolve(
        objection=objection, actor=request.user, outcome=d["outcome"], resolution=d["resolution"], request=request),
        done=_("The objection is resolved."), back=reverse("providers:pool-application", args=[application.pk]),
        page=lambda status: _application_page(request, application, status=status))


# ─── staff: re-checks, appeals, complaints ───────────────────────────────────────────────────


def _rechecks_page(request, *, status=200):
    _staff_only(request)
    today = timezone.localdate()
    return render(request, "providers/pools/rechecks.html", {
        "due": selectors.due_rechecks(request.user, today), "appeals": selectors.open_appeals(request.user),
        "appeal_form": forms.AppealDecideForm()}, status=status)


@login_required
@require_GET
def rechecks(request):
    return _rechecks_page(request)


@login_required
@require_POST
def recheck_run(request, pk):
    _staff_only(request)
    member = get_for_user(PoolMember.objects.select_related("pool", "provider"), pk, user=request.user,
                          request=request)
    return _run(request, forms.VersionedForm(request.POST), lambda d: services.recheck_run(
        member=member, actor=request.user, expected_version=d["state_version"], request=request),
        done=_("The re-check is recorded."), back=reverse("providers:pool-rechecks"),
        page=lambda status: _rechecks_page(request, status=status))


@login_required
@require_POST
def appeal_decide(request, pk):
    _staff_only(request)
    appeal = get_for_user(Appeal.objects.select_related("member__pool"), pk, user=request.user, request=request)
    return _run(request, forms.AppealDecideForm(request.POST), lambda d: services.appeal_decide(
        appeal=appeal, actor=request.user, grant=d["decision"] == "grant", note=d["note"], request=request),
        done=_("The appeal is decided."), back=reverse("providers:pool-rechecks"),
        page=lambda status: _rechecks_page(request, status=status))


def _complaints_page(request, *, status=200):
    _staff_only(request)
    return render(request, "providers/pools/complaints.html", {
        "complaints": selectors.staff_complaints(request.user)[:200], "form": forms.ComplaintHandleForm()},
        status=status)


@login_required
@require_GET
def complaints(request):
    return _complaints_page(request)


@login_required
@require_POST
def complaint_handle(request, pk):
    _staff_only(request)
    complaint = get_for_user(Complaint.objects.select_related("provider__region"), pk, user=request.user,
                             request=request)
    return _run(request, forms.ComplaintHandleForm(request.POST), lambda d: services.complaint_handle(
        complaint=complaint, actor=request.user, upheld=d["outcome"] == "upheld", resolution=d["resolution"],
        request=request), done=_("The complaint is handled."), back=reverse("providers:pool-complaints"),
        page=lambda status: _complaints_page(request, status=status))


# ─── experts ─────────────────────────────────────────────────────────────────────────────────


@login_required
@require_GET
def tasks(request):
    if not is_expert(request.user):
        raise PermissionDenied
    return render(request, "providers/pools/tasks.html", {"sheets": selectors.expert_tasks(request.user)[:500]})


def _sheet_page(request, sheet, *, score_form=None, status=200):
    sheet.refresh_from_db()
    application = sheet.application
    return render(request, "providers/pools/sheet.html", {
        "sheet": sheet, "application": application, "pool": application.pool,
        "open": sheet.submitted_at is None and not sheet.conflict_declared
        and application.status == PoolApplication.Status.EXPERT_REVIEW,
        "score_form": score_form or forms.ScoreForm(), "conflict_form": forms.ConflictForm(),
        "parts": _parts(),
        "listing_url": _listing_url(application.provider_id),
        "profile": selectors.profile_summary(application.profile_version, timezone.localdate())}, status=status)


def _my_sheet(request, pk) -> ExpertScore:
    if not is_expert(request.user):
        raise PermissionDenied
    return get_for_user(ExpertScore.objects.select_related("application__pool", "application__provider",
                                                           "application__profile_version"),
                        pk, user=request.user, write=True, request=request)


@login_required
@require_GET
def sheet(request, pk):
    return _sheet_page(request, _my_sheet(request, pk))


@login_required
@require_POST
def sheet_submit(request, pk):
    item = _my_sheet(request, pk)
    form = forms.ScoreForm(request.POST)
    return _run(request, form, lambda d: services.score_submit(
        sheet=item, actor=request.user, scores=form.scores(), no_conflict_declared=d["no_conflict"],
        comment=d["comment"], request=request),
        done=_("Your score sheet is submitted."), back=reverse("providers:pool-tasks"),
        page=lambda status: _sheet_page(request, item, score_form=form, status=status))


@login_required
@require_POST
def sheet_conflict(request, pk):
    item = _my_sheet(request, pk)
    return _run(request, forms.ConflictForm(request.POST), lambda d: services.conflict_declare(
        sheet=item, actor=request.user, note=d["note"], request=request),
        done=_("Your conflict of interest is recorded; your sheet does not count."),
        back=reverse("providers:pool-tasks"), page=lambda status: _sheet_page(request, item, status=status))


# ─── providers ───────────────────────────────────────────────────────────────────────────────


def _mine_page(request, *, status=200):
    if request.user.staff_role:
        raise PermissionDenied
    providers = selectors.my_providers(request.user)
    if not providers.exists():
        raise PermissionDenied
    today = timezone.localdate()
    writable = set(providers.filter(memberships__user=request.user, memberships__role__in=WRITE_ROLES)
                   .values_list("pk", flat=True))
    applications = list(selectors.provider_applications(request.user))
    for application in applications:
        application.steps = selectors.timeline(application)
        application.can_write = application.provider_id in writable
        application.can_withdraw = application.can_write and "withdraw" in workflow.allowed_actions(
            application.status, workflow.PROVIDER)
        application.resubmit_form = forms.ResubmitForm(initial={
            "state_version": application.state_version, "statement": application.statement,
            "discount_offer": application.discount_offer})
    memberships = list(selectors.provider_memberships(request.user))
    for member in memberships:
        member.can_write = member.provider_id in writable
        member.open_appeal = next((a for a in member.appeals.all() if a.status == Appeal.Status.OPEN), None)
    return render(request, "providers/pools/mine.html", {
        "calls": selectors.open_calls(today), "applications": applications, "memberships": memberships,
        "can_apply": bool(writable), "appeal_form": forms.AppealForm(), "today": today}, status=status)


@login_required
@require_GET
def mine(request):
    return _mine_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request, pk):
    pool = get_object_or_404(Pool.objects.select_related("region"), pk=pk, status=Pool.Status.OPEN)
    providers = Provider.objects.writable_by(request.user) if not request.user.staff_role else Provider.objects.none()
    if not providers.exists():
        raise PermissionDenied
    form = forms.ApplyForm(request.POST or None, providers=providers)

    def page(status=200):
        return render(request, "providers/pools/apply.html", {
            "pool": pool, "form": form, "call_open": services.call_is_open(pool, timezone.localdate())},
            status=status)

    if request.method == "GET":
        return page()
    return _run(request, form, lambda d: services.application_submit(
        pool=pool, provider=d["provider"], actor=request.user, statement=d["statement"],
        discount_offer=d["discount_offer"], request=request),
        done=_("Your application is submitted. The bureau checks it first."),
        back=reverse("providers:pool-mine"), page=page)


def _my_application(request, pk) -> PoolApplication:
    return get_for_user(PoolApplication.objects.select_related("pool", "provider"), pk, user=request.user,
                        write=True, request=request)


@login_required
@require_POST
def application_resubmit(request, pk):
    application = _my_application(request, pk)
    return _run(request, forms.ResubmitForm(request.POST), lambda d: services.application_resubmit(
        application=application, actor=request.user, statement=d["statement"], discount_offer=d["discount_offer"],
        expected_version=d["state_version"], request=request),
        done=_("Your application is submitted again."), back=reverse("providers:pool-mine"),
        page=lambda status: _mine_page(request, status=status))


@login_required
@require_POST
def application_withdraw(request, pk):
    application = _my_application(request, pk)
    return _run(request, forms.VersionedForm(request.POST), lambda d: services.application_withdraw(
        application=application, actor=request.user, expected_version=d["state_version"], request=request),
        done=_("Your application is withdrawn."), back=reverse("providers:pool-mine"),
        page=lambda status: _mine_page(request, status=status))


@login_required
@require_POST
def appeal_file(request, pk):
    member = get_for_user(PoolMember.objects.select_related("pool", "provider"), pk, user=request.user, write=True,
                          request=request)
    return _run(request, forms.AppealForm(request.POST), lambda d: services.appeal_file(
        member=member, actor=request.user, text=d["text"], request=request),
        done=_("Your appeal is filed; the bureau will decide on it."), back=reverse("providers:pool-mine"),
        page=lambda status: _mine_page(request, status=status))


# ─── enterprises: rate and complain ──────────────────────────────────────────────────────────


def _engagement(request, pk, form_class, template, perform, done):
    provider = get_object_or_404(Provider.objects.filter(listing__isnull=False), pk=pk)
    enterprises = Enterprise.objects.writable_by(request.user) if not request.user.staff_role \
        else Enterprise.objects.none()
    if not enterprises.exists():
        raise PermissionDenied
    form = form_class(request.POST or None, enterprises=enterprises)

    def page(status=200):
        return render(request, template, {"provider": provider, "form": form}, status=status)

    if request.method == "GET":
        return page()
    return _run(request, form, lambda d: perform(provider, d), done=done,
                back=_listing_url(provider.pk) or reverse("portal:home"), page=page)


@login_required
@require_http_methods(["GET", "POST"])
def provider_rate(request, pk):
    return _engagement(request, pk, forms.RatingForm, "providers/pools/rate.html", lambda provider, d:
                       services.rating_submit(provider=provider, enterprise=d["enterprise"], actor=request.user,
                                              score=d["score"], comment=d["comment"], request=request),
                       _("Thank you: your rating is recorded."))


@login_required
@require_http_methods(["GET", "POST"])
def provider_complain(request, pk):
    return _engagement(request, pk, forms.ComplaintForm, "providers/pools/complain.html", lambda provider, d:
                       services.complaint_file(provider=provider, enterprise=d["enterprise"], actor=request.user,
                                               subject=d["subject"], text=d["text"], request=request),
                       _("Your complaint is filed; the bureau will handle it."))
