"""Files leave storage with their rows (docs/security.md R30), after the transaction commits so a
rolled-back delete never loses a file that is still referenced."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from diagnosis.models import Evidence, Report, SiteVisit


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
