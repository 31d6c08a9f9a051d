"""subsidies/integrity/checks.py (pure): each kind of finding, and what never matches."""

from decimal import Decimal

import pytest

from subsidies.integrity import checks
from subsidies.integrity.checks import Case, InvoiceClaim, Party, Reviewer

ENT = Party(org_id=1, name="甲制造", legal_rep_index="L1", phones=frozenset({"13800000001"}), address_key="A1",
            account_index="B1", member_ids=frozenset({10, 11}))


def provider(**changes):
    values = {"org_id": 2, "name": "乙科技", "legal_rep_index": "L2", "phones": frozenset({"13800000002"}),
              "address_key": "A2", "account_index": "B2", "member_ids": frozenset({20})}
    values.update(changes)
    return Party(**values)


def case(**changes):
    values = {"application_id": 100, "enterprise": ENT, "provider": provider(), "filed_by_id": 10}
    values.update(changes)
    return Case(**values)


def test_unrelated_parties_give_nothing():
    assert checks.findings(case()) == []


@pytest.mark.parametrize(("change", "basis"), [
    ({"legal_rep_index": "L1"}, "legal_representative"),
    ({"phones": frozenset({"13800000001"})}, "phone"),
    ({"address_key": "A1"}, "address"),
    ({"account_index": "B1"}, "bank_account"),
])
def test_related_party_on_each_shared_identifier(change, basis):
    found = checks.findings(case(provider=provider(**change)))
    assert [(f.kind, f.basis) for f in found] == [("related_party", basis)]
    assert found[0].fact("provider") == "乙科技"
    assert found[0].key == f"related_party:2:{basis}"


def test_empty_identifiers_never_match():
    blank = Party(org_id=1, name="甲", member_ids=frozenset({10}))
    assert checks.findings(case(enterprise=blank, provider=provider(legal_rep_index="", phones=frozenset(),
                                                                    address_key="", account_index=""))) == []


def test_no_provider_no_related_party():
    assert checks.findings(case(provider=None)) == []


def test_duplicate_invoice_names_the_other_application_not_itself():
    claims = (InvoiceClaim("044031900111", 101, "T2026000101", "深圳服务券"),
              InvoiceClaim("044031900111", 100, "SELF", "x"),
              InvoiceClaim("999", 102, "T2026000102", "东莞云券"))
    found = checks.findings(case(invoices=("044031900111",), other_claims=claims))
    assert [(f.kind, f.fact("reference"), f.fact("programme")) for f in found] == [
        ("duplicate_invoice", "T2026000101", "深圳服务券")]


def test_filed_by_a_member_of_the_provider():
    found = checks.findings(case(filed_by_id=20))
    assert [f.kind for f in found] == ["filed_by_provider"]
    assert checks.findings(case(filed_by_id=20, provider=None)) == []


@pytest.mark.parametrize(("reviewer", "basis", "party"), [
    (Reviewer(user_id=11, name="专家甲"), "member", "甲制造"),
    (Reviewer(user_id=20, name="专家乙"), "member", "乙科技"),
    (Reviewer(user_id=30, name="专家丙", phone="13800000002"), "phone", "乙科技"),
    (Reviewer(user_id=31, name="专家丁", declared_conflict=True), "declared", "甲制造"),
])
def test_expert_conflicts(reviewer, basis, party):
    found = checks.findings(case(reviewers=(reviewer,)))
    assert [(f.kind, f.basis, f.fact("party")) for f in found] == [("expert_conflict", basis, party)]


def test_independent_expert_is_fine():
    assert checks.findings(case(reviewers=(Reviewer(user_id=99, name="独立专家", phone="13900000000"),))) == []


@pytest.mark.parametrize(("raw", "key"), [("+86 138-0000-0001", "13800000001"), ("8613800000001", "13800000001"),
                                          ("0755-88886666", "075588886666"), ("", "")])
def test_phone_key(raw, key):
    assert checks.phone_key(raw) == key


@pytest.mark.parametrize(("value", "problem"), [
    (Decimal("1.00"), ""), (Decimal("1.5"), ""), (Decimal("-1"), "negative"), (Decimal("0"), "zero"),
    (Decimal("1.001"), "too_many_places"), (Decimal("1000000001"), "too_large"), (Decimal("NaN"), "not_finite"),
    (Decimal("Infinity"), "not_finite"),
])
def test_money_problem(value, problem):
    assert checks.money_problem(value, maximum=Decimal("1000000000")) == problem
