import os

from django.core.management.base import BaseCommand, CommandError

from diagnosis.scoring.services import assessments_rebase
from diagnosis.spec import SpecNotFound, get_spec
from portal.exceptions import DomainError


class Command(BaseCommand):
    help = ("Re-score stored assessments of one spec version under another (through the item mapping the "
            "newer version declares); results are stored as re-based, originals stay frozen.")

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_key", required=True, help="code@version of the stored assessments")
        parser.add_argument("--to", dest="to_key", required=True, help="code@version to re-base onto")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                            help="processes to split the rows over (default: one per CPU)")

    def handle(self, *args, from_key, to_key, batch_size, workers, **options):
        try:
            report = assessments_rebase(old_spec=get_spec(from_key), new_spec=get_spec(to_key), batch_size=batch_size,
                                        workers=workers)
        except SpecNotFound as exc:
            raise CommandError(f"unknown spec: {exc}", returncode=2) from None
        except DomainError as exc:
            raise CommandError(str(exc.message), returncode=2) from None
        self.stdout.write(f"re-based {report.scored} assessments onto {to_key}; {report.failed} could not be carried over")
