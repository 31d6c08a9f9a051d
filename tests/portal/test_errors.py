"""The one mapping from a refusal's kind to the HTTP status of the answer (portal/errors.py)."""

import pytest

from diagnosis.fill.services import AnswerConflict
from diagnosis.review.services import ReviewConflict
from portal.errors import api_error_body, status_for
from portal.exceptions import Conflict, DomainError, Forbidden, Gone, Invalid, NotFound, TooLarge, WrongState
from portal.files import StoredFileMissing, StoredFileTampered, UploadRejected


@pytest.mark.parametrize(("kind", "html", "api"), [
    (Invalid, 422, 400),
    (TooLarge, 422, 413),
    (Forbidden, 403, 403),
    (NotFound, 404, 404),
    (Conflict, 409, 409),
    (WrongState, 422, 409),
    (Gone, 410, 410),
    (DomainError, 422, 400),
])
def test_each_kind_has_its_status(kind, html, api):
    refusal = kind("Nope.", code="specific")
    assert status_for(refusal) == html
    assert status_for(refusal, api=True) == api
    assert refusal.code == "specific" and refusal.message == "Nope."


def test_a_kind_has_a_default_code():
    assert DomainError("x").code == Invalid("x").code == "invalid"
    assert Forbidden("x").code == "forbidden" and Conflict("x").code == "conflict" and Gone("x").code == "gone"


def test_the_services_own_refusals_take_their_kinds_status():
    answer = AnswerConflict(item_code="a", current_value=1, current_version=2, updated_by="x")
    assert status_for(answer) == status_for(answer, api=True) == 409
    assert status_for(ReviewConflict("x")) == 409
    assert status_for(StoredFileMissing("x", code="missing"), api=True) == 410
    assert status_for(StoredFileTampered("x", code="tampered"), api=True) == 409


def test_an_upload_refusal_keeps_its_code_and_too_large_is_its_own_kind():
    assert status_for(UploadRejected("too_large", "Big.").as_refusal(), api=True) == 413
    refused = UploadRejected("macros", "Macros.").as_refusal()
    assert (refused.code, refused.message, status_for(refused, api=True)) == ("macros", "Macros.", 400)


def test_the_api_body_carries_message_code_and_extras():
    body = api_error_body(Conflict("Changed.", code="conflict"), current_version=3)
    assert body == {"detail": "Changed.", "code": "conflict", "current_version": 3}
