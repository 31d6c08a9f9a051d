"""Recompute the regional roll-up from the assessments (idempotent): after a bulk load (seed_demo, an
import, the bench) or to check it (docs/scaling.md)."""

from django.core.management.base import BaseCommand

from diagnosis.regional import rollup


class Command(BaseCommand):
    help = "Rebuild the regional dashboard roll-up (diagnosis_regionalcell) from the assessments."

    def handle(self, *args, **options):
        cells = rollup.rebuild()
        self.stdout.write(f"regional roll-up rebuilt: {cells} cells")
