"""factory_boy factories and builders for the portal app: users and staff, enterprises, providers,
memberships, TOTP devices, USCCs, region look-up."""

import itertools

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import Enterprise, Membership, OrgStatus, Provider, Region, User
from portal.roles import MemberRole, StaffRole
from portal.uscc import check_character

_uscc_serial = itertools.count(1)
PASSWORD = "Correct-Horse-9-Battery"


def make_uscc(region_code: str = "440309") -> str:
    body = f"91{region_code[:6]}{next(_uscc_serial):08d}X"[:17]
    return body + check_character(body)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    staff_role = StaffRole.DISTRICT
    region = factory.LazyFunction(lambda: region("440309"))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"深圳市测试{n}制造有限公司")
    uscc = factory.LazyFunction(make_uscc)
    region = factory.LazyFunction(lambda: region("440309"))
    status = OrgStatus.VERIFIED
    industry_section = "C"
    industry_division = "39"
    employees = 120
    revenue_band = Enterprise.RevenueBand.FROM_20M
    cluster = "electronics"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"深圳市服务{n}科技有限公司")
    uscc = factory.LazyFunction(make_uscc)
    region = factory.LazyFunction(lambda: region("440305"))
    status = OrgStatus.VERIFIED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = MemberRole.OWNER


def confirmed_totp(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="default", confirmed=True)
