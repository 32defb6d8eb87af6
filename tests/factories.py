"""factory_boy factories shared by the tests."""

from datetime import date

import factory

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
