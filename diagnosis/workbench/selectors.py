"""What each role's home page shows as waiting for them (the workbench panels registered in
diagnosis/apps.py through portal.extensions.HomePanel). A few indexed queries per page load."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from diagnosis.models import Assessment, ExpertAssignment
from diagnosis.review.selectors import assignments_for_expert
from portal.models import Enterprise, OrgStatus
from portal.permissions import is_enterprise_user
from portal.roles import is_bureau_staff, is_expert

WAITING_SHOWN = 5


def _days_since(moment) -> int:
    return (timezone.now() - moment).days if moment else 0


def enterprise_panel(user) -> dict | None:
    """Per enterprise the user belongs to: its current assessment with the next step, and whether
    a new diagnosis can be started."""
    if not is_enterprise_user(user):
        return None
    enterprises = list(Enterprise.objects.visible_to(user).order_by("name", "pk"))
    writable = set(Enterprise.objects.writable_by(user).values_list("pk", flat=True))
    latest: dict[int, Assessment] = {}
    for assessment in (Assessment.objects.visible_to(user).filter(enterprise__in=enterprises)
                       .order_by("enterprise_id", "-created_at", "-pk")):
        latest.setdefault(assessment.enterprise_id, assessment)
    rows = []
    for enterprise in enterprises:
        current = latest.get(enterprise.pk)
        can_write = enterprise.pk in writable
        rows.append({
            "enterprise": enterprise, "current": current, "can_write": can_write,
            "todo": _todo(current, can_write),
            "can_start": can_write and enterprise.status == OrgStatus.VERIFIED
            and (current is None or not current.is_editable),
        })
    return {"rows": rows}


def _todo(assessment: Assessment | None, can_write: bool) -> str:
    """The next step, as a code the template words: returned → revise, draft → continue, …"""
    if assessment is None:
        return "start" if can_write else ""
    if assessment.status == Assessment.Status.RETURNED:
        return "revise" if can_write else "returned"
    if assessment.status == Assessment.Status.DRAFT:
        return "continue" if can_write else "draft"
    if assessment.status == Assessment.Status.SUBMITTED:
        return "wait"
    return "result"


def staff_panel(user) -> dict | None:
    """Submitted assessments in the officer's region waiting for a decision, oldest first, with
    their age in days."""
    if not is_bureau_staff(user):
        return None
    waiting = (Assessment.objects.visible_to(user).filter(status=Assessment.Status.SUBMITTED)
               .select_related("enterprise").order_by("submitted_at", "pk"))
    summary = waiting.aggregate(count=Count("pk"), oldest=Min("submitted_at"))
    return {
        "count": summary["count"], "oldest_days": _days_since(summary["oldest"]),
        "oldest": [{"assessment": a, "days": _days_since(a.submitted_at)} for a in waiting[:WAITING_SHOWN]],
    }


def expert_panel(user) -> dict | None:
    """The expert's open tasks (oldest first) and the last opinions given."""
    if not is_expert(user):
        return None
    assignments = assignments_for_expert(user)
    open_tasks = assignments.filter(status=ExpertAssignment.Status.OPEN).order_by("assigned_at", "pk")
    done = assignments.filter(status=ExpertAssignment.Status.DONE).order_by("-assigned_at", "-pk")
    counts = assignments.aggregate(open=Count("pk", filter=Q(status=ExpertAssignment.Status.OPEN)),
                                   done=Count("pk", filter=Q(status=ExpertAssignment.Status.DONE)))
    return {
        "open": [{"assignment": a, "days": _days_since(a.assigned_at)} for a in open_tasks[:WAITING_SHOWN]],
        "history": list(done[:WAITING_SHOWN]), "open_count": counts["open"], "done_count": counts["done"],
    }
