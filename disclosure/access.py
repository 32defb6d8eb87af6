"""Who sees and does what: the one place unit isolation is decided (admin and API both use it).

- clerks, reviewers, legal reviewers and heads see and act on the requests of the units they hold
  a role in;
- supervisors see the whole subtree below their units, read-only;
- admins (the `admin` role anywhere, or a superuser) see and do everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from security.roles import Standing

from .models import DisclosureRequest, StaffRole, Unit
from .workflow import ACTING_ROLES, ACTION_ROLES, Role, available_actions

ID_REVEAL_ROLES = ACTING_ROLES


@dataclass
class Access:
    """What one user may see and do, read once per request cycle (one query)."""

    user_id: int | None
    is_admin: bool = False
    roles: dict[int, set[str]] = field(default_factory=dict)  # unit id -> roles held there
    supervised_paths: list[str] = field(default_factory=list)
    compiled_paths: list[str] = field(default_factory=list)  # 报告编制人: the subtrees whose reports they compile

    @property
    def acting_unit_ids(self) -> set[int]:
        return {unit_id for unit_id, roles in self.roles.items() if roles & ACTING_ROLES}

    def roles_in(self, unit_id: int) -> set[str]:
        return self.roles.get(unit_id, set())

    def unit_filter(self, prefix: str = "") -> Q:
        """A Q over units (or over rows with a `unit` FK when prefix='unit__') that the user may see."""
        if self.is_admin:
            return Q()
        q = Q(**{f"{prefix}pk__in" if prefix == "" else f"{prefix}id__in": list(self.acting_unit_ids)})
        for path in self.supervised_paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q

    def visible_units(self):
        return Unit.objects.filter(self.unit_filter())

    def visible_requests(self, queryset=None):
        queryset = DisclosureRequest.objects.all() if queryset is None else queryset
        if self.is_admin:
            return queryset
        return queryset.filter(self.unit_filter("unit__"))

    def can_see_unit(self, unit: Unit) -> bool:
        if self.is_admin or unit.pk in self.acting_unit_ids:
            return True
        return any(unit.path.startswith(path) for path in self.supervised_paths)

    def can_act_on_unit(self, unit_id: int) -> bool:
        return self.is_admin or unit_id in self.acting_unit_ids

    def can(self, action: str, unit_id: int) -> bool:
        if self.is_admin:
            return True
        return bool(self.roles_in(unit_id) & ACTION_ROLES.get(action, frozenset()))

    def actions_on(self, req: DisclosureRequest) -> list[str]:
        """The actions this person may take on this request now: the state, their roles in its unit,
        the unit's rules and 岗位分离 (who registered it, who drafted its reply). The admin's buttons
        and the API's available_actions both read this, so neither offers what the services refuse."""
        return available_actions(
            req.status, self.roles_in(req.unit_id), is_admin=self.is_admin, rules=req.unit.rules,
            actor_id=self.user_id, authors=req.authors,
        )

    def can_compile_report(self, unit: Unit) -> bool:
        """Edit a report's text and compile it: the unit's own staff, its 报告编制人 (and above), admins."""
        if self.is_admin or unit.pk in self.acting_unit_ids:
            return True
        return any(unit.path.startswith(path) for path in self.compiled_paths)

    def can_reveal_id(self, unit_id: int) -> bool:
        return self.is_admin or bool(self.roles_in(unit_id) & ID_REVEAL_ROLES)


def access_for(user) -> Access:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Access(user_id=None)
    cached = getattr(user, "_gongkai_access", None)
    if cached is not None:
        return cached
    access = Access(user_id=user.pk, is_admin=user.is_superuser)
    for unit_id, role, path in StaffRole.objects.filter(user=user).values_list("unit_id", "role", "unit__path"):
        if role == Role.ADMIN:
            access.is_admin = True
        elif role == Role.SUPERVISOR:
            access.supervised_paths.append(path)
        elif role == Role.COMPILER:  # sees the subtree read-only, as a supervisor does
            access.supervised_paths.append(path)
            access.compiled_paths.append(path)
        else:
            access.roles.setdefault(unit_id, set()).add(role)
    user._gongkai_access = access
    return access


def standing(user) -> Standing:
    """What security asks of the roles (registered with security.roles by DisclosureConfig.ready)."""
    access = access_for(user)
    return Standing(is_admin=access.is_admin, is_head=any(Role.HEAD in held for held in access.roles.values()))


def mask_id_number(value: str) -> str:
    """Show the first 3 and last 4 characters: 330***********123X."""
    value = value or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_contact(value: str) -> str:
    value = value or ""
    digits = [c for c in value if c.isdigit()]
    if len(digits) >= 7:
        # hide the middle four digits of a phone number, as is customary: 138****5678
        out, seen = [], 0
        total = len(digits)
        for c in value:
            if c.isdigit():
                seen += 1
                out.append("*" if total - 8 < seen <= total - 4 else c)
            else:
                out.append(c)
        return "".join(out)
    return value
