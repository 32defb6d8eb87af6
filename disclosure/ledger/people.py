"""The units file and the staff file (ledger.md): the organisation tree and who holds which role."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import StaffRole, Unit
from ..spreadsheets import SheetLimits, excerpt
from ..workflow import LegalReview
from .columns import choice_lookup, norm_value
from .sheets import (
    Column,
    LedgerInvalid,
    RowError,
    cells_by_key,
    map_header,
    read_sheet,
)

# --- units file ----------------------------------------------------------------------------------

UNIT_COLUMNS = (
    Column("code", "单位编码", True),
    Column("name", "单位名称", True),
    Column("parent", "上级单位编码"),
    Column("kind", "单位类型", True),
    # letters.md: two optional columns after the contract's; a file without them leaves the stored values
    Column("reconsideration_body", "复议机关"),
    Column("letter_prefix", "文号前缀"),
    # who decides what (issue 9): empty follows the system settings GONGKAI_LEGAL_REVIEW and
    # GONGKAI_SEPARATE_DUTIES, as the unit's admin page says
    Column("legal_review", "法制审核范围"),
    Column("separate_duties", "岗位分离"),
)
# The optional columns that, when the file has them, replace what is stored (empty clears it).
UNIT_LETTER_COLUMNS = ("reconsideration_body", "letter_prefix")
UNIT_OPTIONAL_COLUMNS = (*UNIT_LETTER_COLUMNS, "legal_review", "separate_duties")
UNIT_LETTER_LIMITS = {"reconsideration_body": 200, "letter_prefix": 20}
YES_NO = {"yes": True, "y": True, "true": True, "1": True, "是": True,
          "no": False, "n": False, "false": False, "0": False, "否": False}
CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class UnitsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_units(source, *, limits: SheetLimits | None = None) -> UnitsResult:
    """Create or update units; a parent may come after its children in the file. All-or-nothing."""
    sheet = read_sheet(source, limits)
    header, errors = map_header(sheet.header, UNIT_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    col = {c.key: c for c in UNIT_COLUMNS}
    kinds = choice_lookup(Unit.Kind.choices, {"本级政府": "government", "乡镇": "township", "街道": "township"})
    reviews = choice_lookup(LegalReview.choices, {"不利答复": "adverse", "所有答复": "all", "全部": "all"})
    yes_no = {norm_value(k): v for k, v in YES_NO.items()}
    stored = {u.code: u for u in Unit.objects.select_related("parent")}
    rows: dict[str, tuple[int, dict]] = {}
    for number, cells in sheet.rows:
        raw = {k: str(v).strip() for k, v in cells_by_key(cells, header).items()}
        values = {"parent": ""} | raw
        bad = []
        for c in UNIT_COLUMNS:
            if c.required and not values.get(c.key):
                bad.append(RowError(number, header.name(c), _("必填项，不能为空。")))
        code = values.get("code", "")
        if code and not CODE_RE.match(code):
            bad.append(RowError(number, header.name(col["code"]),
                                _("“%(code)s”只能包含字母、数字、“-”和“_”。") % {"code": code}))
        elif len(code) > 64:
            bad.append(RowError(number, header.name(col["code"]), _("不能超过64个字符。")))
        if len(values.get("name", "")) > 200:
            bad.append(RowError(number, header.name(col["name"]), _("不能超过200个字符。")))
        for key, limit in UNIT_LETTER_LIMITS.items():
            if len(values.get(key, "")) > limit:
                bad.append(RowError(number, header.name(col[key]), _("不能超过%(n)d个字符。") % {"n": limit}))
        if values.get("kind"):
            kind = kinds.get(norm_value(values["kind"]))
            if kind is None:
                bad.append(RowError(number, header.name(col["kind"]),
                                    _("“%(value)s”不是有效的单位类型（government 本级政府、department 部门、"
                                      "township 乡镇（街道）、other 其他）。") % {"value": excerpt(values["kind"])}))
            values["kind"] = kind
        if "legal_review" in header.index:
            text = values.get("legal_review", "")
            values["legal_review"] = reviews.get(norm_value(text), None) if text else ""
            if values["legal_review"] is None:
                bad.append(RowError(number, header.name(col["legal_review"]),
                                    _("“%(value)s”不是有效的法制审核范围（adverse 不利答复须经法制审核、all "
                                      "所有答复均须经法制审核；留空按系统设置）。") % {"value": excerpt(text)}))
        if "separate_duties" in header.index:
            text = values.get("separate_duties", "")
            values["separate_duties"] = yes_no.get(norm_value(text), "bad") if text else None
            if values["separate_duties"] == "bad":
                bad.append(RowError(number, header.name(col["separate_duties"]),
                                    _("“%(value)s”应为 是/否（yes/no）；留空按系统设置。") % {"value": excerpt(text)}))
        if code in rows:
            bad.append(RowError(number, header.name(col["code"]),
                                _("与第%(row)d行的单位编码重复。") % {"row": rows[code][0]}))
        else:
            clash = next((c for c in list(stored) + list(rows) if c != code and c.lower() == code.lower()), None)
            if clash:
                bad.append(RowError(number, header.name(col["code"]),
                                    _("“%(code)s”与已有单位编码“%(other)s”仅大小写不同。")
                                    % {"code": code, "other": clash}))
        errors += bad
        if not bad:
            rows[code] = (number, values)
    # The tree after the import: stored parents, overridden by the file.
    parent_of = {code: (u.parent.code if u.parent_id else "") for code, u in stored.items()}
    parent_of.update({code: values["parent"] for code, (_n, values) in rows.items()})
    for code, (number, values) in rows.items():
        parent = values["parent"]
        if parent and parent not in parent_of:
            errors.append(RowError(number, header.name(col["parent"]),
                                   _("上级单位编码“%(code)s”不存在。") % {"code": parent}))
            continue
        chain, seen = [code], {code}
        while parent:
            if parent in seen:
                errors.append(RowError(number, header.name(col["parent"]),
                                       _("上级单位形成循环：%(chain)s。") % {"chain": " → ".join([*chain, parent])}))
                break
            chain.append(parent)
            seen.add(parent)
            parent = parent_of.get(parent, "")
    if errors:
        raise LedgerInvalid(errors)
    present = tuple(key for key in UNIT_OPTIONAL_COLUMNS if key in header.index)
    return _write_units(rows, stored, parent_of, present)


def _depth(code: str, parent_of: dict[str, str]) -> int:
    depth = 0
    while parent_of.get(code):
        code, depth = parent_of[code], depth + 1
    return depth


@transaction.atomic
def _write_units(rows, stored, parent_of, present=()) -> UnitsResult:
    result = UnitsResult()
    for code in sorted(rows, key=lambda c: _depth(c, parent_of)):  # parents before children
        _number, values = rows[code]
        parent = stored.get(values["parent"]) if values["parent"] else None
        unit = stored.get(code)
        letters = {key: values.get(key, None if key == "separate_duties" else "") for key in present}
        if unit is None:
            unit = Unit(code=code, name=values["name"], kind=values["kind"], parent=parent, **letters)
            unit.save()
            stored[code] = unit
            result.created += 1
        elif (unit.name, unit.kind, unit.parent_id, *(getattr(unit, k) for k in letters)) != (
            values["name"], values["kind"], parent.pk if parent else None, *letters.values()
        ):
            unit.name, unit.kind, unit.parent = values["name"], values["kind"], parent
            for key, value in letters.items():
                setattr(unit, key, value)
            unit.save()
            result.updated += 1
        else:
            result.unchanged += 1
    if result.updated:
        _rebuild_paths()
    return result


def _rebuild_paths() -> None:
    """Moves can chain within one file; recompute every path from the parents, top-down."""
    units = {u.pk: u for u in Unit.objects.only("id", "code", "parent_id", "path")}

    def path(u) -> str:
        return (path(units[u.parent_id]) if u.parent_id else "/") + u.code + "/"

    dirty = []
    for u in units.values():
        p = path(u)
        if p != u.path:
            u.path = p
            dirty.append(u)
    Unit.objects.bulk_update(dirty, ["path"], batch_size=500)


# --- staff file ----------------------------------------------------------------------------------

STAFF_COLUMNS = (
    Column("username", "用户名", True),
    Column("full_name", "姓名", True),
    Column("email", "邮箱"),
    Column("unit", "单位编码", True),
    Column("role", "角色", True),
)


@dataclass
class StaffResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    roles_added: int = 0
    usernames: list[str] = field(default_factory=list)


def import_staff(source, *, password: str | None = None, limits: SheetLimits | None = None) -> StaffResult:
    """Create or update accounts and add their unit roles (one row per role). All-or-nothing.

    New accounts get `password` if given, otherwise an unusable one (set through a reset link);
    existing accounts keep theirs. Roles not in the file are left alone.
    """
    User = get_user_model()
    sheet = read_sheet(source, limits)
    header, errors = map_header(sheet.header, STAFF_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    col = {c.key: c for c in STAFF_COLUMNS}
    roles = choice_lookup(StaffRole.Role.choices, {"负责人": "head", "管理员": "admin"})
    units = {u.code: u for u in Unit.objects.only("id", "code")}
    username_ok = UnicodeUsernameValidator()
    people: dict[str, tuple[int, dict]] = {}
    grants: list[tuple[str, int, str]] = []
    for number, cells in sheet.rows:
        values = {"email": ""} | {k: str(v).strip() for k, v in cells_by_key(cells, header).items()}
        bad = [RowError(number, header.name(c), _("必填项，不能为空。"))
               for c in STAFF_COLUMNS if c.required and not values[c.key]]
        username = values["username"]

        def complain(key, message, bad=bad, number=number):  # called within this row's iteration
            bad.append(RowError(number, header.name(col[key]), message))

        if username:
            try:
                username_ok(username)
                if len(username) > 150:
                    raise ValidationError(_("不能超过150个字符。"))
            except ValidationError as exc:
                complain("username", " ".join(str(m) for m in exc.messages))
        if len(values["full_name"]) > 100:
            complain("full_name", _("不能超过100个字符。"))
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                complain("email", _("“%(value)s”不是有效的邮箱地址。") % {"value": excerpt(values["email"])})
        if values["unit"] and values["unit"] not in units:
            complain("unit", _("单位编码“%(code)s”不存在，请先导入单位。") % {"code": values["unit"]})
        role = roles.get(norm_value(values["role"])) if values["role"] else None
        if values["role"] and role is None:
            complain("role", _("“%(value)s”不是有效的角色（clerk 经办人、reviewer 审核人、legal_reviewer 法制审核人、"
                               "head 工作机构负责人、supervisor 督办人、admin 系统管理员、compiler 报告编制人）。")
                     % {"value": excerpt(values["role"])})
        if username in people and not bad:
            first_number, first = people[username]
            for key in ("full_name", "email"):
                if values[key] != first[key] and key in header.index:
                    complain(key, _("与第%(row)d行同一用户名的“%(other)s”不一致。")
                             % {"row": first_number, "other": first[key]})
        errors += bad
        if not bad:
            people.setdefault(username, (number, values))
            grants.append((username, units[values["unit"]].pk, role))
    if errors:
        raise LedgerInvalid(errors)
    with transaction.atomic():
        return _write_staff(User, people, grants, password, "email" in header.index)


def _write_staff(User, people, grants, password, has_email) -> StaffResult:
    result = StaffResult()
    users = {u.username: u for u in User.objects.filter(username__in=list(people))}
    for username, (_number, values) in people.items():
        user = users.get(username)
        email = values["email"] if has_email else (user.email if user else "")
        if user is None:
            user = User(username=username, full_name=values["full_name"], email=email, is_staff=True)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            users[username] = user
            result.created += 1
            result.usernames.append(username)
        elif (user.full_name, user.email, user.is_staff) != (values["full_name"], email, True):
            user.full_name, user.email, user.is_staff = values["full_name"], email, True
            user.save(update_fields=["full_name", "email", "is_staff"])
            result.updated += 1
        else:
            result.unchanged += 1
    held = set(
        StaffRole.objects.filter(user__in=list(users.values())).values_list("user__username", "unit_id", "role")
    )
    missing = list(dict.fromkeys(g for g in grants if g not in held))
    StaffRole.objects.bulk_create([StaffRole(user=users[u], unit_id=unit_id, role=r) for u, unit_id, r in missing])
    result.roles_added = len(missing)
    return result
