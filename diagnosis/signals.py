"""Files leave storage with their rows (docs/security.md R30), after the transaction commits so a
rolled-back delete never loses a file that is still referenced. The regional roll-up follows every
save and delete of an assessment (submit, approve, return, …) and every save of an enterprise with
counted assessments, in the same transaction (diagnosis.regional.rollup)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from diagnosis.models import Assessment, Evidence, Need, Report, SiteVisit
from diagnosis.regional import rollup
from portal.fragments import bump
from portal.models import Enterprise


def _delete_file_on_commit(field_file) -> None:
    if field_file and field_file.name:
        storage, name = field_file.storage, field_file.name
        # robust: a failed blob removal is logged by Django and doesn't undo a committed delete.
        transaction.on_commit(lambda: storage.delete(name), robust=True)


@receiver(post_delete, sender=Evidence)
def evidence_file_cleanup(sender, instance, **kwargs):
    _delete_file_on_commit(instance.file)


@receiver(post_delete, sender=SiteVisit)
def site_visit_file_cleanup(sender, instance, **kwargs):
    _delete_file_on_commit(instance.notes_file)


@receiver(post_delete, sender=Report)
def report_file_cleanup(sender, instance, **kwargs):
    _delete_file_on_commit(instance.pdf)


# --- the regional roll-up -------------------------------------------------------------------------------


@receiver(pre_save, sender=Assessment)
@receiver(pre_delete, sender=Assessment)
def rollup_before(sender, instance, raw=False, **kwargs):
    if raw or not instance.enterprise_id:
        return
    rollup.lock_enterprise(instance.enterprise_id)
    instance._rollup_before = rollup.enterprise_contribution(instance.enterprise_id)


@receiver(post_save, sender=Assessment)
@receiver(post_delete, sender=Assessment)
def rollup_after(sender, instance, raw=False, **kwargs):
    before = instance.__dict__.pop("_rollup_before", None)
    if raw or before is None:
        return
    rollup.apply(before, rollup.enterprise_contribution(instance.enterprise_id))


@receiver(pre_save, sender=Enterprise)
def rollup_enterprise_before(sender, instance, raw=False, **kwargs):
    # Slices group by the enterprise's current attributes: a changed industry or park moves its cells.
    if raw or not instance.pk:
        return
    rollup.lock_enterprise(instance.pk)
    before = rollup.enterprise_contribution(instance.pk)
    if before:
        instance._rollup_before = before


@receiver(post_save, sender=Enterprise)
def rollup_enterprise_after(sender, instance, raw=False, **kwargs):
    before = instance.__dict__.pop("_rollup_before", None)
    if not raw and before:
        rollup.apply(before, rollup.enterprise_contribution(instance.pk))


# --- cached result pages ------------------------------------------------------------------------------


ALL_NEEDS_VERSION = "diagnosis:needs"


def needs_version_name(assessment_id: int) -> str:
    return f"diagnosis:needs:{assessment_id}"


@receiver(post_save, sender=Need)
@receiver(post_delete, sender=Need)
def needs_changed(sender, instance, raw=False, **kwargs):
    # The result page's cached body lists the needs (diagnosis/results/views.py); the demand map's
    # cached tab counts them all (diagnosis/regional/views.py).
    if not raw:
        bump(needs_version_name(instance.assessment_id))
        bump(ALL_NEEDS_VERSION)


def scored_assessments_version_name(enterprise_id: int) -> str:
    return f"diagnosis:scored-assessments:{enterprise_id}"


@receiver(post_save, sender=Assessment)
@receiver(post_delete, sender=Assessment)
def scored_assessments_changed(sender, instance, raw=False, **kwargs):
    # A result page links to the previous scored assessment of its enterprise: a scored assessment
    # saved or deleted may change which one that is. Saves of drafts (autosave) change nothing.
    # An instance read without its result (with_result_flags) counts as scored.
    if raw or not instance.enterprise_id:
        return
    if kwargs.get("signal") is post_delete or instance.__dict__.get("result", True) is not None:
        bump(scored_assessments_version_name(instance.enterprise_id))
