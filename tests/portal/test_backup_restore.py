"""The restore drill (docs/security.md R37, #14): seed → backup → restore into a new database and an
empty media folder → every table's rows and every file's bytes equal, `migrate --check` clean, and a
report PDF from the restored store still verifies on the public verification page of an instance
running on the restored copy. Plus the refusals that keep a restore from doing harm."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from psycopg2 import sql

from diagnosis.models import Need
from diagnosis.report import pdf
from diagnosis.report import services as services_report
from portal import backup
from portal.models import AuditEvent
from tests.diagnosis.report.conftest import fake_pdf
from tests.factories.diagnosis import scored_assessment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
KEY = "drill-key-0123456789-abcdefghijklmnop"


def _params():
    return connection.settings_dict


def _connect(name):
    params = _params()
    return psycopg2.connect(dbname=name, host=params["HOST"] or None, port=params["PORT"] or None,
                            user=params["USER"] or None, password=params["PASSWORD"] or None)


def _drop(name):
    admin = _connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.close()


def _exists(name):
    admin = _connect("postgres")
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    admin.close()
    return found


def _counts(cursor):
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def _files(root: Path):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def target():
    name = f"dx_restore_drill_{uuid.uuid4().hex[:10]}"
    yield name
    _drop(name)


@pytest.fixture
def seeded(settings, enterprise, owner, monkeypatch):
    monkeypatch.setattr(pdf, "html_to_pdf", fake_pdf)
    settings.BACKUP_KEY = KEY
    assessment = scored_assessment(enterprise)
    Need.objects.create(assessment=assessment, category="smart_manufacturing", description="上线 MES 系统",
                        item_codes=["sc-quality"], urgency=3, budget_wan="120.00", created_by=owner)
    # Outside a test transaction the request commits at once and the eager queue renders it then.
    report = services_report.report_request(assessment=assessment, requested_by=owner, language="zh-hans")
    report.refresh_from_db()
    assert report.sha256 and Path(report.pdf.path).is_file()
    # A second stored file in a nested folder, with a name that needs quoting.
    extra = Path(settings.MEDIA_ROOT) / "evidence" / "2026" / "现场 照片.txt"
    extra.parent.mkdir(parents=True, exist_ok=True)
    extra.write_bytes(b"site photo stand-in \x00\x01")
    return report


def test_backup_then_restore_reproduces_every_row_and_file_and_the_report_still_verifies(
        seeded, settings, target, tmp_path):
    result = backup.backup(directory=tmp_path / "backups")
    assert result.path.name.startswith("backup-") and result.files >= 2 and result.rows > 0
    # Nothing readable at rest: neither the enterprise's name nor the PDF's bytes appear in the archives.
    for name in (backup.DUMP, backup.MEDIA):
        data = (result.path / name).read_bytes()
        assert seeded.assessment.enterprise.name.encode() not in data and b"%PDF" not in data

    media = tmp_path / "restored-media"
    call_command("restore", str(result.path), "--database", target, "--media-root", str(media))

    with connection.cursor() as cursor:
        source_counts = _counts(cursor)
    restored = _connect(target)
    with restored.cursor() as cursor:
        restored_counts = _counts(cursor)
    restored.close()
    assert restored_counts == source_counts and source_counts["diagnosis_report"] == 1
    assert _files(media) == _files(Path(settings.MEDIA_ROOT))

    # An instance on the restored copy: migrate --check is clean and the restored PDF verifies.
    env = dict(os.environ, DATABASE_URL=f"postgres://{_params()['USER']}@{_params()['HOST']}:{_params()['PORT']}/{target}",
               MEDIA_ROOT=str(media), DJANGO_SETTINGS_MODULE="portal.settings.test")
    check = subprocess.run([sys.executable, "manage.py", "migrate", "--check", "--noinput"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    probe = subprocess.run([sys.executable, "-c", _VERIFY_PROBE, seeded.verification_code], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-3000:]
    answer = json.loads(probe.stdout.strip().splitlines()[-1])
    assert answer == {"status": 200, "matches": True, "sha256": seeded.sha256}


_VERIFY_PROBE = r"""
import json, sys
from pathlib import Path
import os
import django
django.setup()
from django.conf import settings
settings.MEDIA_ROOT = os.environ["MEDIA_ROOT"]  # the test settings pick a fresh temporary folder otherwise
from django.test.utils import setup_test_environment
setup_test_environment()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from diagnosis.models import Report
code = sys.argv[1]
report = Report.objects.get(verification_code=code)
restored_bytes = Path(report.pdf.path).read_bytes()
response = Client().post(f"/verify/{code}/", {"file": SimpleUploadedFile("r.pdf", restored_bytes,
                                                                         content_type="application/pdf")})
body = response.content.decode()
print(json.dumps({"status": response.status_code, "matches": 'id="file-matches"' in body, "sha256": report.sha256}))
"""


def test_the_backup_command_prints_its_figures_audits_and_prunes(seeded, tmp_path):
    out = __import__("io").StringIO()
    for _ in range(3):
        call_command("backup", "--dir", str(tmp_path), "--keep", "2", stdout=out)
    assert len(backup.backups_in(tmp_path)) == 2
    assert "tables" in out.getvalue() and "files" in out.getvalue()
    assert AuditEvent.objects.filter(action="backup.created").count() == 3


def test_no_key_no_backup(settings, db, tmp_path):
    settings.BACKUP_KEY = None
    with pytest.raises(CommandError, match="BACKUP_KEY"):
        call_command("backup", "--dir", str(tmp_path))
    assert not list(tmp_path.iterdir())


def test_a_tampered_archive_is_refused_before_anything_is_restored(seeded, target, tmp_path):
    path = backup.backup(directory=tmp_path / "b").path
    dump = path / backup.DUMP
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="altered"):
        call_command("restore", str(path), "--database", target, "--media-root", str(tmp_path / "m"))
    assert not _exists(target)


def test_an_edited_manifest_or_another_key_is_refused(seeded, settings, target, tmp_path):
    path = backup.backup(directory=tmp_path / "b").path
    settings.BACKUP_KEY = "another-key-0123456789-abcdefghij"
    with pytest.raises(CommandError, match="signature"):
        call_command("restore", str(path), "--database", target, "--media-root", str(tmp_path / "m"))
    settings.BACKUP_KEY = KEY
    manifest = json.loads((path / backup.MANIFEST).read_text())
    manifest["media"]["count"] += 1
    (path / backup.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="signature"):
        call_command("restore", str(path), "--database", target, "--media-root", str(tmp_path / "m"))
    assert not _exists(target)


def test_restore_refuses_a_database_with_tables_and_a_non_empty_media_folder(seeded, target, tmp_path):
    path = backup.backup(directory=tmp_path / "b").path
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("do not overwrite")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path), "--database", target, "--media-root", str(busy))
    assert (busy / "keep.txt").read_text() == "do not overwrite"

    call_command("restore", str(path), "--database", target, "--media-root", str(tmp_path / "first"))
    with pytest.raises(CommandError, match="already holds tables"):
        call_command("restore", str(path), "--database", target, "--media-root", str(tmp_path / "second"))
