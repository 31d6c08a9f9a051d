"""Re-encrypt every encrypted field with the first key of FIELD_ENCRYPTION_KEYS (portal/crypto.py).
Run after putting a new key in front; drop the old key only once this has finished."""

from django.core.management.base import BaseCommand

from portal.audit import audit_log
from portal.crypto import rotate_all


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        done = rotate_all()
        audit_log(action="crypto.rotate", username="manage.py", detail={"values": done})
        self.stdout.write(f"re-encrypted {done} values")
