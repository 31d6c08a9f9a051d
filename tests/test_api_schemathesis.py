"""schemathesis over every operation of the published API schema (#13 security): generated requests,
valid and invalid, sent through the real WSGI stack (middleware, token authentication, throttles).

For each operation, signed in with a token as an enterprise owner who has a draft (with an answer
and an evidence file) and a submitted assessment (with a ready report):
- no answer is a server error;
- every answer's status is documented for the operation, and its body matches the documented
  schema and content type;
- with the path pointing at real objects (the owner's), and with generated ids (mostly someone
  else's or nobody's).
And with the same real objects: anonymously, every operation that needs credentials answers 401;
as the owner of another enterprise, each is refused and no answer carries the owner's enterprise.

Deterministic (derandomized Hypothesis, no example database) and small: a handful of examples per
operation and mode, so the whole module runs in well under a minute. New operations are covered
by being in the schema.
"""

import json
import os

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from diagnosis.evidence.services import evidence_add
from diagnosis.fill.services import answer_save, assessment_start
from diagnosis.report import pdf
from diagnosis.report import services as services_report
from tests.diagnosis.report.conftest import fake_pdf
from tests.factories.diagnosis import scored_assessment
from tests.portal.test_files import minimal_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

# Small for CI; SCHEMATHESIS_MAX_EXAMPLES=200 for a deeper local hunt.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _raw_schema() -> dict:
    # The schema /api/schema/ serves, built in-process (no request, no database needed).
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


RAW = _raw_schema()
SCHEMA = schemathesis.openapi.from_dict(RAW)
SCHEMA.config.generation.update(allow_x00=False)  # a NUL byte is refused before any view: see below
OPERATIONS = {operation.label: operation for operation in (result.ok() for result in SCHEMA.get_all_operations())}


def _wsgi_app():
    """Django's WSGI handler, without the per-request connection close that would end the test's
    transaction (what django.test.Client does too)."""
    handler = WSGIHandler()

    def app(environ, start_response):
        # Read the whole answer and close it, as a server does: a streamed file is closed then.
        result = handler(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            result.close()

    return app


@pytest.fixture(autouse=True)
def _keep_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fake_weasyprint(monkeypatch):
    monkeypatch.setattr(pdf, "html_to_pdf", fake_pdf)


@pytest.fixture
def world(owner, enterprise, district_staff, settings):
    """The owner's objects that real path parameters point at."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    draft = assessment_start(enterprise=enterprise, actor=owner)
    answer_save(assessment=draft, actor=owner, item_code="network", value=["workshop-control"], expected_version=0)
    evidence = evidence_add(assessment=draft, actor=owner, item_code="network",
                            upload=SimpleUploadedFile("plan.pdf", minimal_pdf()))
    submitted = scored_assessment(enterprise)
    report = services_report.report_request(assessment=submitted, requested_by=owner, language="zh-hans")
    services_report.report_render(report_id=report.pk)
    return {"owner": owner, "enterprise": enterprise, "draft": draft, "submitted": submitted,
            "evidence": evidence, "report": report}


def _real_path_parameters(operation, world) -> dict:
    """Path parameters naming the owner's own objects, so the operation gets past the lookup."""
    path = operation.path
    assessment = world["submitted"] if "/reports/" in path or path.endswith("/result/") else world["draft"]
    values = {
        "id": world["enterprise"].pk if path.startswith(("/api/v1/enterprises/", "/api/v1/{kind}/"))
        else assessment.pk,
        "evidence_pk": world["evidence"].pk, "report_pk": world["report"].pk, "kind": "enterprises",
    }
    names = {parameter.name for parameter in operation.path_parameters}
    return {name: values[name] for name in names if name in values}


def _run(operation, *, mode, headers, path_parameters=None, assertion=None):
    app = _wsgi_app()
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @given(case=strategy)
    @hypothesis_settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case):
        response = case.call(headers=headers, app=app)
        if assertion is not None:
            assertion(case, response)
        else:
            case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Negative mode with nothing left to make invalid (only fixed path parameters): no case.
        assert mode == GenerationMode.NEGATIVE, operation.label


def _token(user) -> dict:
    token, _created = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


@pytest.mark.parametrize("label", sorted(OPERATIONS))
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_no_server_error_and_the_schema_holds(label, mode, world):
    operation = OPERATIONS[label]
    headers = _token(world["owner"])
    _run(operation, mode=mode, headers=headers, path_parameters=_real_path_parameters(operation, world))
    if operation.path_parameters:
        _run(operation, mode=mode, headers=headers)


def _needs_credentials(operation) -> bool:
    # A public operation lists {} (anonymous) among its security options.
    return {} not in operation.definition.raw.get("security", RAW.get("security", []))


def _resolves(path: str) -> bool:
    from urllib.parse import unquote

    from django.urls import Resolver404, resolve

    try:
        resolve(unquote(path))
    except Resolver404:
        return False
    return True


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_anonymous_gets_401_on_every_protected_operation(label, world):
    operation = OPERATIONS[label]
    if not _needs_credentials(operation):
        pytest.skip("public operation")

    def only_401(case, response):
        if response.status_code == 404 and not _resolves(case.formatted_path):
            return  # a generated value the URL pattern cannot match (e.g. a negative id): no view runs
        assert response.status_code == 401, (case.method, case.formatted_path, response.status_code, response.text)
        assert response.json()["code"] == "not_authenticated"

    _run(operation, mode=GenerationMode.POSITIVE, headers={},
         path_parameters=_real_path_parameters(operation, world), assertion=only_401)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_another_enterprise_never_reaches_the_owners_objects(label, world, outsider):
    """Signed in as the owner of another enterprise, with the path naming the owner's objects:
    refused (404 for what it may not see, 403 for a role it lacks, 400 for a body refused first),
    and no answer anywhere carries the owner's enterprise."""
    operation = OPERATIONS[label]
    if not _needs_credentials(operation):
        pytest.skip("public operation")
    enterprise = world["enterprise"]
    real = _real_path_parameters(operation, world)

    def no_leak(case, response):
        if real:
            assert response.status_code in (400, 403, 404, 415), (case.method, case.formatted_path,
                                                                  response.status_code, response.text[:300])
        assert enterprise.uscc not in response.text and enterprise.name not in response.text, case.formatted_path

    _run(operation, mode=GenerationMode.POSITIVE, headers=_token(outsider), path_parameters=real,
         assertion=no_leak)


def test_every_api_path_is_exercised():
    """The run covers what the URLconf serves under /api/v1/: a new endpoint missing from the
    schema would escape the checks above."""
    assert len(OPERATIONS) >= 20
    assert {"POST /api/v1/assessments/{id}/reports/", "GET /api/v1/assessments/{id}/questionnaire/"} <= set(OPERATIONS)
