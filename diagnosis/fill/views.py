"""The enterprise's questionnaire: list and start assessments, fill in step by step with autosave
(HTMX, optimistic concurrency), submit with the truthfulness pledge."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from diagnosis.fill import services
from diagnosis.fill.questionnaire import (
    describe_value,
    offered_sections,
    progress,
    ratio_value,
    section_of,
    sections,
)
from diagnosis.fill.selectors import (
    assessments_for_member,
    plausibility_notes,
    questionnaire_state,
    startable_enterprises,
)
from diagnosis.models import Answer, Assessment
from diagnosis.permissions import can_edit_assessment
from diagnosis.results.context import verified_result
from diagnosis.scoring import band_label
from diagnosis.spec import get_spec, load_all_specs
from portal.access import get_for_user
from portal.audit import audit_staff_read
from portal.errors import status_for
from portal.exceptions import DomainError
from portal.models import Enterprise


@login_required
def assessment_list(request):
    if request.user.staff_role:
        raise PermissionDenied  # staff work from the review queue, not the enterprise's list
    return render(request, "diagnosis/fill/assessment_list.html", {
        # Each row with its verified result once approved: that score is the one that counts.
        "rows": [(a, verified_result(a)) for a in assessments_for_member(request.user)],
        "enterprises": startable_enterprises(request.user),
        "specs": sorted(load_all_specs().values(), key=lambda s: (s.code != services.DEFAULT_SPEC_CODE, s.key)),
    })


@login_required
@require_POST
def assessment_start(request):
    enterprise = get_for_user(Enterprise.objects.select_related("region"), request.POST.get("enterprise"), user=request.user, write=True, request=request)
    try:
        assessment = services.assessment_start(enterprise=enterprise, actor=request.user,
                                               spec_key=request.POST.get("spec") or None, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("diagnosis:assessment-list")
    return redirect("diagnosis:assessment-fill", pk=assessment.pk)


@login_required
def assessment_detail(request, pk):
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
    if assessment.is_editable and can_edit_assessment(request.user, assessment):
        return redirect("diagnosis:assessment-fill", pk=pk)
    if assessment.result is None:
        return redirect("diagnosis:assessment-answers", pk=pk)
    return redirect("diagnosis:assessment-result", pk=pk)


def _plausibility(spec, assessment, answers):
    """Warnings linking to the step page that shows each question."""
    def href(code):
        return reverse("diagnosis:assessment-fill-section", args=[assessment.pk, section_of(spec, code)]) + f"#q-{code}"

    return plausibility_notes(spec, answers, assessment.enterprise, href=href)


def _question_context(spec, assessment, item, row, *, visible=True, posted=None, error="", conflict=None,
                      just_saved=False):
    value = posted if posted is not None else (row.value if row else None)
    ratio = ratio_value(item, value) if item.kind == "ratio" else None
    return {
        "assessment": assessment, "item": item, "value": value, "version": row.version if row else 0,
        "row": row, "hidden": not visible, "error": error, "conflict": conflict, "just_saved": just_saved,
        "ratio": ratio, "band": band_label(item, ratio) if ratio is not None else "",
        "scale": spec.maturity.scale if spec.maturity else (),
        "levels": list(enumerate(item.level_descriptors, start=1)) if item.kind == "scenario" else [],
        "editable": True,
    }


@login_required
def assessment_fill(request, pk, section=None):
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
    if not assessment.is_editable:
        messages.info(request, _("This assessment has been submitted and is read-only until staff return it."))
        return redirect("diagnosis:assessment-detail", pk=pk)
    spec, rows, answers, visible = questionnaire_state(assessment)
    shown = set(visible)
    # Steps whose every question is hidden by the enterprise's context (e.g. process-industry
    # questions for a discrete manufacturer) are left out, so the questionnaire never opens on, or
    # steps through, an empty page. Answers can reveal a step later; the list follows them.
    steps = offered_sections(spec, visible)
    current = next((s for s in sections(spec) if s.code == section), None) if section else steps[0]
    if current is None:
        raise Http404
    if current not in steps:
        return redirect("diagnosis:assessment-fill", pk=pk)
    index = steps.index(current)
    questions = [
        (block, [_question_context(spec, assessment, spec.items[code], rows.get(code), visible=code in shown)
                 for code in block.item_codes])
        for block in current.blocks
    ]
    return render(request, "diagnosis/fill/fill.html", {
        "assessment": assessment, "spec": spec, "steps": steps, "current": current, "questions": questions,
        "previous": steps[index - 1] if index > 0 else None, "next": steps[index + 1] if index + 1 < len(steps) else None,
        "progress": progress(visible, answers), "plausibility": _plausibility(spec, assessment, answers),
    })


def _posted_value(item, post):
    """The answer as the form sent it, or None when the input is incomplete (nothing to save yet)."""
    if item.kind == "multi":
        chosen = post.getlist("value")
        return chosen or None
    if item.kind == "ratio":
        numerator, denominator = post.get("numerator", "").strip(), post.get("denominator", "").strip()
        if not numerator or not denominator:
            return None
        return {"numerator": numerator, "denominator": denominator}
    value = post.get("value", "").strip()
    if not value:
        return None
    if item.kind == "scenario":
        return int(value) if value.isdigit() else value
    return value


@login_required
@require_POST
def answer_save(request, pk):
    """HTMX autosave of one question. Answers with the question's status line plus its new version
    (and ratio result) out of band; a stale version gets 409 with both values; an invalid value 422
    with the reason. The visible-question list travels in an HX-Trigger event so the page shows and
    hides conditional questions."""
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
    spec = get_spec(assessment.spec_key)
    item = spec.items.get(request.POST.get("item", ""))
    if item is None:
        return HttpResponse(_("Unknown question."), status=400)
    try:
        expected = int(request.POST.get("version", "0"))
    except ValueError:
        return HttpResponse(_("Bad version."), status=400)
    value = _posted_value(item, request.POST)
    if value is None:
        # Half-typed (e.g. a ratio's numerator before its denominator): nothing to save yet, and
        # 204 leaves the page exactly as the user has it.
        return HttpResponse(status=204)
    status = 200
    try:
        row = services.answer_save(assessment=assessment, actor=request.user, item_code=item.code, value=value,
                                   expected_version=expected, request=request)
    except services.AnswerConflict as exc:
        status = status_for(exc)
        # No row at all when the page sent a version for a question never saved: shown as unanswered.
        row = Answer.objects.select_related("updated_by").filter(assessment=assessment, item_code=item.code).first()
        context = _question_context(spec, assessment, item, row, posted=value,
                                    conflict={"message": exc.message,
                                              "theirs": describe_value(item, exc.current_value),
                                              "mine": describe_value(item, value)})
    except DomainError as exc:
        status = status_for(exc)
        row = Answer.objects.filter(assessment=assessment, item_code=item.code).first()
        context = _question_context(spec, assessment, item, row, posted=value, error=exc.message)
    else:
        context = _question_context(spec, assessment, item, row, just_saved=True)
    _spec, _rows, answers, visible = questionnaire_state(assessment)
    # The warnings panel travels out of band: an answer can raise or settle a warning elsewhere.
    response = render(request, "diagnosis/fill/partials/question_saved.html",
                      {"q": context, "assessment": assessment,
                       "plausibility": _plausibility(spec, assessment, answers)}, status=status)
    done = progress(visible, answers)
    return trigger_client_event(response, "answers-changed",
                                {"visible": visible, "answered": done.answered, "total": done.total})


@login_required
@require_GET
def question(request, pk, item_code):
    """One question as stored now (used by "use the saved answer" after a conflict)."""
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
    spec = get_spec(assessment.spec_key)
    item = spec.items.get(item_code)
    if item is None:
        raise Http404
    row = Answer.objects.select_related("updated_by").filter(assessment=assessment, item_code=item_code).first()
    return render(request, "diagnosis/fill/partials/question.html", {"q": _question_context(spec, assessment, item, row)})


@login_required
def assessment_submit(request, pk):
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, write=True, request=request)
    spec, _rows, answers, visible = questionnaire_state(assessment)
    missing = [(code, spec.items[code], section_of(spec, code)) for code in visible if code not in answers]
    if request.method == "POST":
        try:
            services.assessment_submit(assessment=assessment, actor=request.user,
                                       pledge=request.POST.get("pledge") == "on", request=request)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Submitted. Your diagnosis result is ready."))
            return redirect("diagnosis:assessment-result", pk=pk)
    return render(request, "diagnosis/fill/submit.html", {
        "assessment": assessment, "spec": spec, "missing": missing, "progress": progress(visible, answers),
        "plausibility": _plausibility(spec, assessment, answers),
    })


@login_required
def assessment_answers(request, pk):
    """Read-only view of all answers (submitted assessments, viewers, staff)."""
    assessment = get_for_user(Assessment.objects.with_enterprise(), pk, user=request.user, request=request)
    audit_staff_read(request, assessment)
    spec, rows, answers, visible = questionnaire_state(assessment)
    if assessment.submitted_answers is not None:
        answers = assessment.submitted_answers
        visible = [code for code in spec.items if code in answers]
    shown = set(visible)
    steps = [(section, [(spec.items[code], describe_value(spec.items[code], answers.get(code)))
                        for code in section.item_codes if code in shown]) for section in sections(spec)]
    return render(request, "diagnosis/fill/answers.html", {"assessment": assessment, "spec": spec, "steps": steps})


