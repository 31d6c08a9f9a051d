"""Writes of the campaigns feature (年度诊断工作): creating a campaign, importing its targets from the
bureau's 规上 list, inviting them (in-app notice to registered firms, e-mail with a claim link to the
others), the daily reminders before the deadline and the audited Excel export of its coverage."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from diagnosis.campaigns import selectors
from diagnosis.campaigns.imports import TargetRow, read_rows
from diagnosis.models import Campaign, CampaignEmail, CampaignReminder, CampaignTarget
from diagnosis.review import services as services_review
from portal.audit import audit_log
from portal.claims import claim_token
from portal.exceptions import Forbidden, Invalid, WrongState
from portal.exports import table_workbook
from portal.jobs import enqueue_on_commit
from portal.models import AuditEvent, Enterprise, Membership, Region
from portal.notifications.services import notify
from portal.reference import section_of_division
from portal.roles import is_bureau_staff, staff_region_path
from portal.services import audit_export
from portal.sheets import ImportRefused, RowError, read_upload

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 5 * 1024 * 1024
REMINDER_DAYS = (7, 3, 1)  # reminders go out this many days before the deadline


# ─── Campaigns ──────────────────────────────────────────────────────────────────────────────────


def _staff_path(actor) -> str:
    path = staff_region_path(actor)
    if not is_bureau_staff(actor) or path is None:
        raise Forbidden(_("Only bureau staff may run diagnosis campaigns."), code="not_staff")
    return path


@transaction.atomic
def campaign_create(*, actor, title: str, year: int, spec_codes: list[str], deadline: date,
                    quota_percent=None, quota_count=None, request=None) -> Campaign:
    """A campaign of the actor's own region (district or city). The form checked the fields; the
    rules that do not depend on the form are checked again here."""
    _staff_path(actor)
    if deadline < timezone.localdate():
        raise Invalid(_("The deadline cannot be in the past."), code="deadline_past")
    if (quota_percent is None) == (quota_count is None):
        raise Invalid(_("Give the quota either as a share of the targets or as a number of enterprises."),
                      code="quota")
    if not spec_codes:
        raise Invalid(_("Choose at least one standard."), code="no_spec")
    campaign = Campaign.objects.create(region_id=actor.region_id, title=title, year=year, spec_codes=spec_codes,
                                       deadline=deadline, quota_percent=quota_percent, quota_count=quota_count,
                                       created_by=actor)
    audit_log(action="campaign.create", actor=actor, request=request, obj=campaign,
              detail={"year": year, "specs": spec_codes, "deadline": deadline.isoformat()})
    return campaign


# ─── Target import ──────────────────────────────────────────────────────────────────────────────


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)  # enterprise records created (not yet registered)
    added: list[str] = field(default_factory=list)  # targets added for firms already in the portal
    updated: list[str] = field(default_factory=list)  # targets imported before


def _resolve(rows: list[TargetRow], path: str) -> tuple[dict[str, tuple[Region, Region | None]], list[RowError]]:
    """Each row's district (code or name, a district inside the campaign's region) and park."""
    districts, parks = {}, {}
    for region in Region.objects.filter(path__startswith=path, level__in=[Region.Level.DISTRICT,
                                                                          Region.Level.PARK]):
        table = districts if region.level == Region.Level.DISTRICT else parks
        table[region.code] = region
        table.setdefault(region.name, region)
    found, errors = {}, []
    for row in rows:
        district = districts.get(row.district)
        if district is None:
            errors.append(RowError(row.row, _("“%(district)s” is not a district of this campaign's region (write "
                                               "its name or its code, e.g. 440309 龙华区)")
                                   % {"district": row.district[:40]}))
            continue
        park = None
        if row.park:
            park = parks.get(row.park)
            if park is None or not park.path.startswith(district.path):
                errors.append(RowError(row.row, _("“%(park)s” is not a park of %(district)s")
                                       % {"park": row.park[:40], "district": district.name}))
                continue
        found[row.uscc] = (district, park)
    return found, errors


def target_import(*, campaign: Campaign, actor, fileobj, name: str, size: int, request=None) -> ImportResult:
    """Import a campaign's targets: check the file, read and check every row, then write all of it
    in one transaction or nothing. Idempotent by USCC: a firm already on the list is updated; a firm
    not yet in the portal gets an unverified record (bureau-sourced, claimable by the firm); a
    registered firm keeps the record it maintains itself. Only firms inside the campaign's region."""
    path = _staff_path(actor)
    if not campaign.region.path.startswith(path):
        raise Forbidden(_("This campaign belongs to another region."), code="other_region")
    checked, rows, errors = read_upload(fileobj, name=name, size=size, max_bytes=IMPORT_MAX_BYTES, read_rows=read_rows)
    regions, region_errors = _resolve(rows, campaign.region.path)
    errors += region_errors
    existing = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=[r.uscc for r in rows]).select_related("region")}
    for row in rows:
        enterprise = existing.get(row.uscc)
        if enterprise is not None and not enterprise.region.path.startswith(campaign.region.path):
            errors.append(RowError(row.row, _("this enterprise is registered in another region (%(region)s)")
                                   % {"region": enterprise.region.name}))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise ImportRefused(_("Nothing was imported: %(count)d problem(s) in the sheet. Correct them and upload "
                              "the file again.") % {"count": len(errors)}, errors=errors)

    result = ImportResult()
    with transaction.atomic():
        enterprises = {e.uscc: e for e in Enterprise.objects.select_for_update().filter(
            uscc__in=[r.uscc for r in rows])}
        claimed = set(Membership.objects.filter(enterprise__in=list(enterprises.values()))
                      .values_list("enterprise_id", flat=True))
        targets = {t.enterprise_id: t for t in CampaignTarget.objects.select_for_update().filter(
            campaign=campaign, enterprise__in=list(enterprises.values()))}
        for row in rows:
            district, park = regions[row.uscc]
            enterprise = enterprises.get(row.uscc)
            created = enterprise is None
            if created or enterprise.pk not in claimed:
                # A record nobody has claimed is the bureau's: the list's facts replace it.
                enterprise = enterprise or Enterprise(uscc=row.uscc, employees=0)
                enterprise.name, enterprise.region, enterprise.park = row.name, district, park
                enterprise.industry_division = row.division
                enterprise.industry_section = section_of_division(row.division) or ""
                enterprise.above_scale = True
                if row.revenue_band:
                    enterprise.revenue_band = row.revenue_band
                elif not enterprise.revenue_band:
                    enterprise.revenue_band = Enterprise.RevenueBand.FROM_20M
                if row.employees is not None:
                    enterprise.employees = row.employees
                enterprise.save()
                enterprises[row.uscc] = enterprise
            target = targets.get(enterprise.pk)
            if target is None:
                target = CampaignTarget(campaign=campaign, enterprise=enterprise, bureau_created=created)
                (result.created if created else result.added).append(row.uscc)
            else:
                result.updated.append(row.uscc)
            target.town, target.contact_email = row.town, row.email or target.contact_email
            target.save()
        audit_log(action="campaign.import", actor=actor, request=request, obj=campaign,
                  detail={"rows": len(rows), "created": len(result.created), "added": len(result.added),
                          "updated": len(result.updated)})
    return result


# ─── Invitations and reminders ──────────────────────────────────────────────────────────────────


def claim_url(enterprise: Enterprise) -> str:
    return (settings.SITE_URL + reverse("portal:register", args=["enterprise"])
            + "?claim=" + claim_token(enterprise))


def _members(enterprise_ids) -> dict[int, list]:
    members: dict[int, list] = {}
    for m in Membership.objects.filter(enterprise_id__in=enterprise_ids).select_related("user"):
        members.setdefault(m.enterprise_id, []).append(m.user)
    return members


def _tell(campaign: Campaign, targets: list[CampaignTarget], *, kind: str, title: str, body: str) -> list[int]:
    """In-app notice (and e-mail) to the members of registered targets; the ids of the unregistered
    targets with a contact e-mail, who get the claim link by e-mail after commit."""
    members = _members([t.enterprise_id for t in targets])
    url = reverse("diagnosis:assessment-list")
    mail = []
    for target in targets:
        users = members.get(target.enterprise_id)
        if users:
            notify(users, kind=kind, title=title, body=body, url=url)
        elif target.contact_email:
            mail.append(target.pk)
    return mail


@transaction.atomic
def campaign_invite(*, campaign: Campaign, actor, request=None) -> int:
    """Invite every target not invited yet; returns how many. Audited."""
    _staff_path(actor)
    targets = list(CampaignTarget.objects.select_for_update().filter(campaign=campaign, invited_at__isnull=True)
                   .select_related("enterprise"))
    if not targets:
        raise WrongState(_("Every target has been invited already."), code="nothing_to_invite")
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Invitation: %(campaign)s") % {"campaign": campaign.title}
        body = _("The bureau invites your enterprise to take part in the digital-transformation diagnosis "
                 "%(campaign)s. Please complete the self-assessment by %(deadline)s.") % {
            "campaign": campaign.title, "deadline": campaign.deadline.isoformat()}
    mail = _tell(campaign, targets, kind="campaign.invited", title=title, body=body)
    CampaignTarget.objects.filter(pk__in=[t.pk for t in targets]).update(invited_at=timezone.now())
    if mail:
        _queue_emails(mail, CampaignEmail.Kind.INVITE)
    audit_log(action="campaign.invite", actor=actor, request=request, obj=campaign,
              detail={"targets": len(targets), "emails": len(mail)})
    return len(targets)


# A campaign e-mail claimed (sending) or pending longer than this has lost its message (broker down,
# worker killed): the sweeper queues it again; after EMAIL_ATTEMPTS_MAX attempts it is marked failed.
EMAIL_RESEND_AFTER = timedelta(minutes=10)
EMAIL_ATTEMPTS_MAX = 5


def _track_emails(target_ids: list[int], kind: str) -> list[int]:
    """The tracking rows of the e-mails to ``target_ids`` for today (created when missing: one per
    target, kind and day), in the caller's transaction; their ids, to be queued after commit."""
    today = timezone.localdate()
    targets = CampaignTarget.objects.filter(pk__in=target_ids).exclude(contact_email="")
    CampaignEmail.objects.bulk_create(
        [CampaignEmail(target=t, kind=kind, day=today, address=t.contact_email) for t in targets],
        ignore_conflicts=True)
    return list(CampaignEmail.objects.filter(target_id__in=target_ids, kind=kind, day=today,
                                             status=CampaignEmail.Status.PENDING).values_list("pk", flat=True))


def _queue_emails(target_ids: list[int], kind: str) -> None:
    ids = _track_emails(target_ids, kind)
    if ids:
        from diagnosis.campaigns import tasks

        enqueue_on_commit(tasks.campaign_email_send, ids)


def send_emails(target_ids: list[int], kind: str) -> int:
    """Messages queued before the tracking rows existed (target ids): track them, then send."""
    with transaction.atomic():
        ids = _track_emails(target_ids, kind)
    return send_tracked_emails(ids)


def send_tracked_emails(email_ids: list[int]) -> int:
    """Send the pending campaign e-mails among ``email_ids``: each row is claimed first (pending →
    sending, attempt counted, one conditional UPDATE), so a message delivered twice sends once; a
    firm that registered meanwhile is skipped (it gets the in-app notice from now on). Returns how
    many were sent."""
    sent = 0
    for pk in email_ids:
        claimed = CampaignEmail.objects.filter(pk=pk, status=CampaignEmail.Status.PENDING,
                                               attempts__lt=EMAIL_ATTEMPTS_MAX).update(
            status=CampaignEmail.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
        if claimed != 1:
            continue
        email = CampaignEmail.objects.select_related("target__campaign", "target__enterprise").get(pk=pk)
        target, campaign = email.target, email.target.campaign
        if Membership.objects.filter(enterprise_id=target.enterprise_id).exists():
            CampaignEmail.objects.filter(pk=pk).update(status=CampaignEmail.Status.SKIPPED)
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = (_("Reminder: %(campaign)s") if email.kind == CampaignEmail.Kind.REMIND
                       else _("Invitation: %(campaign)s")) % {"campaign": campaign.title}
            message = _("%(name)s: the bureau invites your enterprise to take part in %(campaign)s (deadline "
                        "%(deadline)s). Register with this link to take over the record the bureau prepared "
                        "for you:\n\n%(url)s\n\nThe link works once and expires in 60 days.") % {
                "name": target.enterprise.name, "campaign": campaign.title,
                "deadline": campaign.deadline.isoformat(), "url": claim_url(target.enterprise)}
        try:
            send_mail(subject, message, None, [email.address])
        except Exception:
            logger.exception("campaign e-mail %s: the e-mail could not be sent", pk)
            status = (CampaignEmail.Status.FAILED if email.attempts >= EMAIL_ATTEMPTS_MAX
                      else CampaignEmail.Status.PENDING)
            CampaignEmail.objects.filter(pk=pk).update(status=status)
            continue
        CampaignEmail.objects.filter(pk=pk).update(status=CampaignEmail.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent


def sweep_emails() -> int:
    """Queue again the campaign e-mails whose message was lost: claimed by a worker that died, or still
    pending a while after they were created or last tried (broker outage). Idempotent; returns how
    many were queued."""
    stale = timezone.now() - EMAIL_RESEND_AFTER
    CampaignEmail.objects.filter(status=CampaignEmail.Status.SENDING, claimed_at__lt=stale).update(
        status=CampaignEmail.Status.PENDING)
    CampaignEmail.objects.filter(status=CampaignEmail.Status.PENDING,
                                 attempts__gte=EMAIL_ATTEMPTS_MAX).update(status=CampaignEmail.Status.FAILED)
    ids = list(CampaignEmail.objects.filter(status=CampaignEmail.Status.PENDING, created_at__lt=stale)
               .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)).values_list("pk", flat=True)[:500])
    if ids:
        from diagnosis.campaigns import tasks
        from portal.jobs import enqueue

        enqueue(tasks.campaign_email_send, ids)
    return len(ids)


def send_reminders(*, today: date | None = None) -> int:
    """Remind the targets of every campaign whose deadline is REMINDER_DAYS away that have not
    submitted yet. One reminder per target and day: the unique (target, day) row is claimed first,
    so a second run (or a second beat) the same day sends nothing. Returns how many were reminded."""
    today = today or timezone.localdate()
    deadlines = [today + timedelta(days=d) for d in REMINDER_DAYS]
    reminded = 0
    for campaign in Campaign.objects.filter(deadline__in=deadlines):
        pending = selectors.unsubmitted_targets(campaign).filter(invited_at__isnull=False)
        for target in pending.select_related("enterprise"):
            try:
                with transaction.atomic():
                    CampaignReminder.objects.create(target=target, day=today)
                    with translation.override(settings.LANGUAGE_CODE):
                        title = _("Reminder: %(campaign)s") % {"campaign": campaign.title}
                        body = _("The deadline of %(campaign)s is %(deadline)s: please complete and submit your "
                                 "self-assessment.") % {"campaign": campaign.title,
                                                        "deadline": campaign.deadline.isoformat()}
                    mail = _tell(campaign, [target], kind="campaign.reminder", title=title, body=body)
                    if mail:
                        _queue_emails(mail, CampaignEmail.Kind.REMIND)
            except IntegrityError:
                continue  # reminded already today
            reminded += 1
    return reminded


# ─── Export ─────────────────────────────────────────────────────────────────────────────────────


@transaction.atomic
def coverage_export(*, campaign: Campaign, actor, by: str, request=None) -> bytes:
    """The coverage table as a watermarked .xlsx, audited; rate-limited with the user's other exports."""
    _staff_path(actor)
    since = timezone.now() - timedelta(hours=1)
    limit = services_review.EXPORTS_PER_HOUR
    if AuditEvent.objects.filter(action="data.export", actor=actor, created_at__gte=since).count() >= limit:
        raise WrongState(_("You have made %(count)d exports in the last hour, the most allowed. Try again "
                           "later.") % {"count": limit}, code="rate_limited")
    table = selectors.coverage(campaign, by=by)
    columns = [(str(selectors.GROUP_TITLES[by]), 24)] + [(str(title), 12) for _key, title in selectors.STAGES] + [
        (str(_("Quota")), 10), (str(_("Quota met (%)")), 14)]
    rows = [[r.label, r.targets, r.invited, r.registered, r.started, r.submitted, r.approved, r.quota,
             r.quota_share] for r in [*table.rows, table.total]]
    content = table_workbook(f"{campaign.title}", columns, rows, exported_by=actor, exported_at=timezone.now())
    audit_export(actor=actor, what="diagnosis.campaign.coverage", rows=len(rows), request=request,
                 filters={"campaign": campaign.pk, "by": by})
    return content
