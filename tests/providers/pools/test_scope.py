"""The role × object matrix of the pool rows: who lists which application, score sheet, member,
objection, rating and complaint."""

import pytest

from providers.models import Complaint, ExpertScore, Objection, PoolApplication, PoolMember, Rating
from tests.factories.portal import MembershipFactory
from tests.factories.providers import application_in, member_of, open_pool

pytestmark = pytest.mark.django_db

PERSONAS = ["applicant_owner", "applicant_viewer", "outsider", "owner", "district_staff", "other_district_staff",
            "city_staff", "other_city_staff", "expert", "other_expert", "system_admin", "security_admin",
            "audit_admin"]


@pytest.fixture
def world(request, district_staff, expert, enterprise, owner):
    from tests.factories.portal import StaffFactory

    pool = open_pool(created_by=district_staff)
    application = application_in(pool, "expert_review")
    ExpertScore.objects.create(application=application, expert=expert, assigned_by=district_staff)
    member_of(pool, provider=application.provider)
    outsider = request.getfixturevalue("outsider")
    Objection.objects.create(application=application, filed_by=outsider, text="异议")
    Rating.objects.create(provider=application.provider, enterprise=enterprise, rated_by=owner, year=2026, score=4)
    Complaint.objects.create(provider=application.provider, enterprise=enterprise, filed_by=owner, subject="s",
                             text="t")
    users = {name: request.getfixturevalue(name) for name in PERSONAS
             if name not in ("applicant_owner", "applicant_viewer", "other_expert")}
    users["applicant_owner"] = application.submitted_by
    users["applicant_viewer"] = MembershipFactory(provider=application.provider, enterprise=None, role="viewer").user
    users["other_expert"] = StaffFactory(staff_role="expert", region=None)
    return users


# persona → (application, sheet, member, objection, rating/complaint)
# The provider is registered in 南山区 (440305): district staff of 龙华区 manage the pool but do not
# handle complaints about a provider outside their district; the city staff do both.
EXPECTED = {
    "applicant_owner": (True, False, True, False, False),
    "applicant_viewer": (True, False, True, False, False),
    "outsider": (False, False, False, True, False),
    "owner": (False, False, False, False, True),
    "district_staff": (True, True, True, True, False),
    "other_district_staff": (False, False, False, False, False),
    "city_staff": (True, True, True, True, True),
    "other_city_staff": (False, False, False, False, False),
    "expert": (True, True, False, False, False),
    "other_expert": (False, False, False, False, False),
    "system_admin": (False, False, False, False, False),
    "security_admin": (False, False, False, False, False),
    "audit_admin": (False, False, False, False, False),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_scope(world, persona):
    user = world[persona]
    seen = (PoolApplication.objects.visible_to(user).exists(), ExpertScore.objects.visible_to(user).exists(),
            PoolMember.objects.visible_to(user).exists(), Objection.objects.visible_to(user).exists(),
            Rating.objects.visible_to(user).exists())
    assert seen == EXPECTED[persona]
    assert Complaint.objects.visible_to(user).exists() == EXPECTED[persona][4]


@pytest.mark.parametrize("persona", ["applicant_owner"])
def test_only_writers_write(world, persona):
    assert PoolApplication.objects.writable_by(world["applicant_owner"]).exists()
    assert not PoolApplication.objects.writable_by(world["applicant_viewer"]).exists()
    assert not PoolMember.objects.writable_by(world["applicant_viewer"]).exists()
    assert not ExpertScore.objects.writable_by(world["district_staff"]).exists()
