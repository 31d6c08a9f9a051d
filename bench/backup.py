"""Backup and restore figures (RPO/RTO, docs/security.md R37, issue #14): ``manage.py backup`` and
``restore`` (portal/backup.py) at 100 k assessments, each beside the bare PostgreSQL tool on the same
data in the same run (``pg_dump -Fc`` to /dev/null; ``pg_restore`` of that plain dump), so the ratio
shows what encryption, the media archive and the row checksums cost.

RTO is the restore wall time (restore + verification of every table and file + ``migrate --check``).
RPO is set by the schedule, not measured: nightly backups (the compose ``backup`` service) lose at
most a day; WAL archiving would shorten it and is deployment work.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench import BenchError, Figure, Run

FULL_ASSESSMENTS = 100_000
MEDIA_FILES = 200
MEDIA_BYTES = 64 * 1024


def _assessments() -> int:
    from diagnosis.models import Assessment

    return Assessment.objects.count()


def measure_backup(*, assessments: int, media_files: int = MEDIA_FILES) -> list[Figure]:
    from django.db import connection
    from django.test.utils import override_settings

    from bench.regional import seed_regional_rows
    from portal import backup

    missing = assessments - _assessments()
    if missing > 0:
        seed_regional_rows(count=missing + missing % 2, seed=4242)
    count = _assessments()
    work = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    media = work / "media"
    for index in range(media_files):
        path = media / "evidence" / f"{index % 20}" / f"file-{index}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(MEDIA_BYTES))
    params = connection.settings_dict
    env = backup._pg_env(params)
    target = f"bench_restore_{uuid.uuid4().hex[:8]}"
    plain = f"bench_plain_{uuid.uuid4().hex[:8]}"
    try:
        with override_settings(MEDIA_ROOT=media, BACKUP_KEY="bench-backup-key-0123456789abcdef"):
            started = time.perf_counter()
            subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(work / "plain.dump"),
                            "--dbname", params["NAME"]], env=env, check=True, capture_output=True)
            bare_dump = time.perf_counter() - started
            made = backup.backup(directory=work / "backups")
            backup._prepare_database(params, plain)
            started = time.perf_counter()
            subprocess.run(["pg_restore", "--no-owner", "--no-acl", "--single-transaction", "--dbname", plain,
                            str(work / "plain.dump")], env=env, check=True, capture_output=True)
            bare_restore = time.perf_counter() - started
            restored = backup.restore(made.path, database=target, media_root=work / "restored", params=params)
        if restored.rows != made.rows or restored.files != media_files:
            raise BenchError(f"restore gave {restored.rows} rows / {restored.files} files, "
                             f"backup had {made.rows} / {media_files}")
        size = sum(p.stat().st_size for p in made.path.iterdir()) / 1e6
    finally:
        for name in (target, plain):
            admin = backup._connect(params, "postgres")
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
        shutil.rmtree(work, ignore_errors=True)
    note = (f"{count:,} assessments, {made.rows:,} rows in {made.tables} tables, {media_files} files "
            f"({media_files * MEDIA_BYTES / 1e6:.0f} MB); backup folder {size:.0f} MB")
    return [
        Figure(name="backup (dump + media + checksums, encrypted)", value=made.seconds, unit="s",
               baseline=bare_dump, baseline_name="pg_dump -Fc alone", higher_is_better=False,
               note=f"{note}; RPO ≤ 24 h with the nightly schedule"),
        Figure(name="restore = RTO (restore + verify + migrate --check)", value=restored.seconds, unit="s",
               baseline=bare_restore, baseline_name="pg_restore of the plain dump", higher_is_better=False,
               note=note),
    ]


def run_backup(run: Run) -> list[Figure]:
    run.database()
    if shutil.which("pg_dump") is None or shutil.which("gpg") is None:
        raise BenchError("pg_dump and gpg are needed (scripts/install-system-packages.sh)")
    if run.quick:
        return measure_backup(assessments=2_000, media_files=20)
    return measure_backup(assessments=FULL_ASSESSMENTS)


BENCHMARKS = {"backup": run_backup}
