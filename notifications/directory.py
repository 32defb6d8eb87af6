"""Who gets what: staff, roles and channel preferences read once per sweep; links into the site."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from disclosure.models import StaffRole, Unit, User

from .models import AlertChannel, PersonPreference, UnitPreference


def parse_thresholds(text: str, default: Iterable[int]) -> tuple[int, ...]:
    """"5,1" -> (5, 1); empty or malformed -> the default. Largest first."""
    try:
        values = {int(part) for part in (text or "").replace("，", ",").split(",") if part.strip()}
    except ValueError:
        values = set()
    values = {v for v in values if 0 <= v <= 60}
    return tuple(sorted(values or set(default), reverse=True))


def reminder_stage(workdays_left: int, thresholds: tuple[int, ...]) -> int | None:
    """The smallest threshold that `workdays_left` has reached, or None when none has been reached."""
    reached = [t for t in thresholds if workdays_left <= t]
    return min(reached) if reached else None


@dataclass
class Directory:
    """Staff, roles and channel preferences, read once per sweep (a handful of queries)."""

    units: dict[int, Unit]
    users: dict[int, User]
    unit_roles: dict[tuple[int, str], set[int]]
    supervisor_roles: list[tuple[str, int, int]]  # (unit path, unit id, user id)
    admins: set[int]
    person_prefs: dict[int, PersonPreference]
    unit_prefs: dict[int, UnitPreference]

    @classmethod
    def load(cls) -> Directory:
        units = {u.pk: u for u in Unit.objects.all()}
        users = {u.pk: u for u in User.objects.filter(is_active=True)}
        unit_roles: dict[tuple[int, str], set[int]] = defaultdict(set)
        supervisor_roles = []
        admins = {pk for pk, u in users.items() if u.is_superuser}
        for unit_id, role, user_id in StaffRole.objects.values_list("unit_id", "role", "user_id"):
            if user_id not in users:
                continue
            unit_roles[(unit_id, role)].add(user_id)
            if role == StaffRole.Role.SUPERVISOR:
                supervisor_roles.append((units[unit_id].path, unit_id, user_id))
            if role == StaffRole.Role.ADMIN:
                admins.add(user_id)
        return cls(
            units=units,
            users=users,
            unit_roles=unit_roles,
            supervisor_roles=supervisor_roles,
            admins=admins,
            person_prefs={p.user_id: p for p in PersonPreference.objects.all()},
            unit_prefs={p.unit_id: p for p in UnitPreference.objects.all()},
        )

    @classmethod
    def for_user(cls, user_id: int, unit_id: int | None) -> Directory:
        """Just enough to pick one person's channels (three small queries, no staff tables)."""
        return cls(
            units={u.pk: u for u in Unit.objects.filter(pk=unit_id)},
            users={u.pk: u for u in User.objects.filter(pk=user_id, is_active=True)},
            unit_roles={},
            supervisor_roles=[],
            admins=set(),
            person_prefs={p.user_id: p for p in PersonPreference.objects.filter(user_id=user_id)},
            unit_prefs={p.unit_id: p for p in UnitPreference.objects.filter(unit_id=unit_id)},
        )

    def thresholds(self, unit_id: int) -> tuple[int, ...]:
        return parse_thresholds(self.units[unit_id].reminder_days, settings.GONGKAI_REMINDER_DAYS)

    def role(self, unit_id: int, role: str) -> set[int]:
        return self.unit_roles.get((unit_id, role), set())

    def handler_or_clerks(self, req) -> set[int]:
        """The handler; with none (or an inactive one) the unit's clerks; with no clerks its heads."""
        if req.handler_id and req.handler_id in self.users:
            return {req.handler_id}
        return self.role(req.unit_id, StaffRole.Role.CLERK) or self.role(req.unit_id, StaffRole.Role.HEAD)

    def supervisors_over(self, unit_id: int) -> dict[int, set[int]]:
        """Supervisors of the unit or any ancestor: user id -> the units where they hold the role."""
        path = self.units[unit_id].path
        found: dict[int, set[int]] = defaultdict(set)
        for sup_path, sup_unit, user_id in self.supervisor_roles:
            if path.startswith(sup_path):
                found[user_id].add(sup_unit)
        return found

    def personal_channels(self, user_id: int, unit_id: int | None) -> list[str]:
        user = self.users.get(user_id)
        if user is None:
            return []
        person = self.person_prefs.get(user_id)
        unit = self.unit_prefs.get(unit_id) if unit_id else None
        channels = []
        if user.email and (person is None or person.email_enabled) and (unit is None or unit.email_enabled):
            channels.append(AlertChannel.EMAIL)
        if (person is None or person.in_app_enabled) and (unit is None or unit.in_app_enabled):
            channels.append(AlertChannel.IN_APP)
        return channels

    def robot_channels(self, unit_id: int) -> list[str]:
        pref = self.unit_prefs.get(unit_id)
        if pref is None:
            return []
        robots = ((AlertChannel.DINGTALK, pref.uses_dingtalk), (AlertChannel.WECOM, pref.uses_wecom))
        return [c for c, on in robots if on]


def request_link(request_id: int) -> str:
    return settings.GONGKAI_SITE_URL + _request_path_template().replace(str(_PLACEHOLDER_ID), str(request_id), 1)


@lru_cache(maxsize=1)
def _request_path_template() -> str:
    """reverse() once per process, not once per alert (its cost showed in the sweep's profile)."""
    try:
        path = reverse("admin:disclosure_disclosurerequest_change", args=[_PLACEHOLDER_ID])
    except NoReverseMatch:
        path = f"/admin/disclosure/disclosurerequest/{_PLACEHOLDER_ID}/change/"
    return path


_PLACEHOLDER_ID = 987654321


def site_link(path: str) -> str:
    return settings.GONGKAI_SITE_URL + path


def label(req) -> str:
    return req.ref or f"#{req.pk}"
