"""Decision benchmarks: an enterprise submits its assessment and a reviewer approves it, as the
embedded default (``make run``: Celery eager, no broker) does them, in-process through Django's test
client and the real views, beside a bare signed-in view (``/bench/bare/``, bench/urls.py) measured
in the same process.

- ``submit``: ``POST /assessments/<id>/submit/`` of a fully answered draft (score, freeze, audit);
- ``approve``: ``POST /review/<id>/approve/`` (lock, verified score, audit, notifications) with
  the report PDF handed to the background thread (``REPORTS_IN_BACKGROUND_THREAD``, the embedded
  default): the page does not wait for it;
- ``approve, PDF in the request``: the same with the setting off, as before issue #13: the
  request renders the report PDF after its commit.

Median of N rounds (quick: 2; full: 10, the inline approve 3). Checked: every submission is
submitted, every approval approved, every report ready once the background thread is idle;
anything else is a BenchError. The bench database's rows stay (the bench database is dropped at
the start of the next run).
"""

from __future__ import annotations

import secrets
import statistics
import time

from bench import BenchError, Figure, Run

SPEC = "sme-2024@1.0"
ROUNDS, INLINE_ROUNDS = 10, 3
BARE_REQUESTS = 50


def _draft(enterprise, owner):
    from diagnosis.fill.services import assessment_start
    from diagnosis.models import Answer
    from diagnosis.scoring import validate_answer
    from diagnosis.spec import get_spec
    from tests.diagnosis.answers import full_answers

    assessment = assessment_start(enterprise=enterprise, actor=owner, spec_key=SPEC)
    spec = get_spec(SPEC)
    Answer.objects.bulk_create([Answer(assessment=assessment, item_code=code, value=validate_answer(spec, code, value),
                                       updated_by=owner) for code, value in full_answers(spec).items()])
    return assessment


def _clients():
    """A signed-in owner of a verified enterprise and a signed-in district reviewer (with TOTP)."""
    from django.test import Client
    from django_otp.oath import totp

    from tests.factories.portal import (
        PASSWORD,
        EnterpriseFactory,
        MembershipFactory,
        StaffFactory,
        confirmed_totp,
    )

    tag = secrets.token_hex(3)
    enterprise = EnterpriseFactory(name=f"基准{tag}精密制造有限公司")
    owner = MembershipFactory(enterprise=enterprise, role="owner", user__username=f"decide-{tag}").user
    staff = StaffFactory(username=f"review-{tag}", staff_role="district_staff")
    enterprise_client, staff_client = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    for client, user in ((enterprise_client, owner), (staff_client, staff)):
        if client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code != 302:
            raise BenchError(f"{user.username} could not sign in")
    device = confirmed_totp(staff)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    if staff_client.post("/accounts/otp/", {"otp_token": code}).status_code != 302:
        raise BenchError("the reviewer's second factor was refused")
    return enterprise, owner, enterprise_client, staff_client


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    response = call()
    return time.perf_counter() - started, response


def measure_decisions(*, rounds: int = ROUNDS, inline_rounds: int = INLINE_ROUNDS,
                      bare_requests: int = BARE_REQUESTS) -> list[Figure]:
    from django.conf import settings
    from django.test.utils import override_settings

    from bench.reports import _celery, _media_root
    from diagnosis.models import Assessment, Report
    from portal import jobs

    # Pages link their static files: without collectstatic, by name (the manifest is a deployment's).
    storages = {**settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with _media_root(), _celery(eager=True), override_settings(ROOT_URLCONF="bench.urls", STORAGES=storages,
                                                               REPORTS_IN_BACKGROUND_THREAD=True):
        enterprise, owner, enterprise_client, staff_client = _clients()
        bare = []
        for _ in range(bare_requests):
            seconds, response = _timed(lambda: enterprise_client.get("/bench/bare/"))
            if response.status_code != 200:
                raise BenchError(f"the bare view answered {response.status_code}")
            bare.append(seconds)
        submit, approve, inline, approved = [], [], [], []
        for index in range(rounds + inline_rounds):
            assessment = _draft(enterprise, owner)
            seconds, response = _timed(lambda a=assessment: enterprise_client.post(
                f"/assessments/{a.pk}/submit/", {"pledge": "on"}))
            assessment.refresh_from_db()
            if response.status_code != 302 or assessment.status != Assessment.Status.SUBMITTED:
                raise BenchError(f"submit answered {response.status_code}, the assessment is {assessment.status}")
            submit.append(seconds)
            background = index < rounds
            with override_settings(REPORTS_IN_BACKGROUND_THREAD=background):
                seconds, response = _timed(lambda a=assessment: staff_client.post(
                    f"/review/{a.pk}/approve/", {"review_version": a.review_version, "comment": ""}))
                jobs.wait_for_background_jobs(timeout=300)  # not timed: the page has answered already
            assessment.refresh_from_db()
            if response.status_code != 302 or assessment.status != Assessment.Status.APPROVED:
                raise BenchError(f"approve answered {response.status_code}, the assessment is {assessment.status}")
            (approve if background else inline).append(seconds)
            approved.append(assessment.pk)
        not_ready = Report.objects.filter(assessment__in=approved).exclude(status=Report.Status.READY).count()
        if not_ready or Report.objects.filter(assessment__in=approved).count() != len(approved):
            raise BenchError(f"{not_ready} reports of approved assessments are not ready")
    baseline = statistics.median(bare) * 1000

    def figure(name, values, note):
        return Figure(name=name, value=statistics.median(values) * 1000, unit="ms/request", baseline=baseline,
                      baseline_name="bare signed-in view", higher_is_better=False,
                      note=f"{note}; median of {len(values)}")

    return [
        figure("submit", submit, f"{SPEC}, all answered, eager"),
        figure("approve, PDF in the background thread", approve, "the embedded default"),
        figure("approve, PDF in the request", inline, "REPORTS_IN_BACKGROUND_THREAD off (before #13)"),
    ]


def run_decisions(run: Run) -> list[Figure]:
    run.database()
    if run.quick:
        return measure_decisions(rounds=2, inline_rounds=1, bare_requests=5)
    return measure_decisions()


BENCHMARKS = {"decisions": run_decisions}
