from django.core.management.base import BaseCommand

from diagnosis.spec import load_all_specs


class Command(BaseCommand):
    help = "List the available maturity specs as code@version with their titles."

    def handle(self, *args, **options):
        for key, spec in sorted(load_all_specs().items()):
            self.stdout.write(f"{key}\t{spec.title}\t{spec.title_en}")
