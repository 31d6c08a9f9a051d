from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = ("Restore a backup folder into a NEW database and an empty media folder, then prove it: every "
            "table's rows and every file's SHA-256 equal the backup's manifest and migrate --check is clean. "
            "/ 将备份恢复到新数据库与空目录，并逐表、逐文件核验。")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a backup-… folder written by `manage.py backup`")
        parser.add_argument("--database", required=True,
                            help="name of the database to create and fill (on the configured server); must be "
                                 "new or empty")
        parser.add_argument("--media-root", type=Path, required=True, help="an empty folder for the media store")

    def handle(self, *args, path, database, media_root, **options):
        try:
            result = backup.restore(path, database=database, media_root=media_root)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"restored into database {result.database} and {result.media_root}: {result.tables} tables, "
            f"{result.rows} rows, {result.files} files verified, migrate --check clean, {result.seconds:.1f} s.\n"
            f"Next: point DATABASE_URL and MEDIA_ROOT at them and restart web, worker and beat.")
