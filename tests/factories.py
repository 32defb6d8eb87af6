"""The tests' one set of factories: factory_boy rows for read-side tests (UnitFactory, UserFactory,
RequestFactory, concluded), staff() for a user with roles, and register() for a request the way the
office registers it (through the service) — with register_with() for a module's own defaults."""

from datetime import date, timedelta
from functools import partial

import factory
from django.utils import timezone

from disclosure import services
from disclosure.models import ApplicantType, Channel, DisclosureRequest, StaffRole, Unit, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit{n}")
    name = factory.Sequence(lambda n: f"单位{n}")
    kind = Unit.Kind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    is_staff = True
    password = factory.django.Password("Gongkai-test-2026")


def staff(username: str, unit: Unit, *roles: str) -> User:
    user = UserFactory(username=username)
    for role in roles:
        StaffRole.objects.get_or_create(user=user, unit=unit, role=role)
    return user


class RequestFactory(factory.django.DjangoModelFactory):
    """A bare request row (for read-side tests); workflow tests go through services.register_request."""

    class Meta:
        model = DisclosureRequest

    unit = factory.SubFactory(UnitFactory)
    ref = factory.Sequence(lambda n: f"R{n:05d}")
    applicant_type = ApplicantType.NATURAL_PERSON
    applicant_name = factory.Sequence(lambda n: f"申请人{n}")
    channel = Channel.IN_PERSON
    submitted_on = date(2025, 3, 3)
    received_on = date(2025, 3, 3)
    content = "申请公开某项目的批复文件"


def concluded(unit, applicant_type="natural_person", outcome="granted", received=date(2025, 3, 3),
              on=date(2025, 3, 20), **kw):
    """A bare replied row: received on `received`, concluded on `on` with `outcome` (the statistics' input)."""
    return RequestFactory(
        unit=unit, applicant_type=applicant_type, received_on=received, submitted_on=received,
        concluded_on=on, outcome=outcome, status="replied", **kw,
    )


APPLICATION = {
    "applicant_type": "natural_person",
    "applicant_name": "张三",
    "channel": "in_person",
    "content": "申请公开某项目的批复文件",
}


def register(actor, unit, *, days_ago: int = 7, **fields) -> DisclosureRequest:
    """登记 through services.register_request, as the office does: an in-person request of a natural
    person (APPLICATION), submitted `days_ago` days before today unless `submitted_on` is given. Any
    field overrides, `today` included (without it the service reads the clock)."""
    fields = {**APPLICATION, **fields}
    fields.setdefault("submitted_on", timezone.localdate() - timedelta(days=days_ago))
    return services.register_request(actor=actor, unit=unit, **fields)


def register_with(**defaults):
    """register() with a module's defaults, which a call's own keywords still override:
    `register = register_with(submitted_on=RECEIVED, today=TODAY)`."""
    return partial(register, **defaults)
