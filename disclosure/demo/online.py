"""Loading the demo: the district and its requests (builder.py), then online applications in every
public state (issue 10, portal.md), and the texts that list the demo's logins and tracking codes."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction

from .. import services
from ..models import DisclosureRequest, StaffRole
from ..services import intake
from ..workflow import Outcome
from .builder import DemoBuilder
from .data import CONTENTS, PLACES, ROLE_LABELS, ROOT_CODE, demo_password


@transaction.atomic
def load_demo(today: date) -> int:
    """Create the demo organisation, staff and requests; returns how many requests were created."""
    builder = DemoBuilder(today)
    builder.build_units()
    builder.build_staff()
    count = builder.build_requests()
    return count + build_online_applications(builder)



def logins_text() -> str:
    """The demo accounts, as load_demo and `dev.py run` print them."""
    accounts: dict[str, tuple[str, list[str], list[str]]] = {}
    rows = (
        StaffRole.objects.filter(unit__path__startswith=f"/{ROOT_CODE}/")
        .order_by("user_id", "unit__path")
        .values_list("user__username", "user__full_name", "role", "unit__name")
    )
    for username, name, role, unit in rows:
        _, roles, units = accounts.setdefault(username, (name, [], []))
        if role not in roles:
            roles.append(role)
        if unit not in units:
            units.append(unit)
    lines = [f"演示账号 demo logins（密码 password: {demo_password()}，首次载入时由 GONGKAI_DEMO_PASSWORD 决定）："]
    if getattr(settings, "GONGKAI_REQUIRE_2FA", False):
        lines.append(
            "  系统管理员和工作机构负责人首次登录须绑定身份验证器（TOTP）；本机演示可设 GONGKAI_REQUIRE_2FA=0 关闭。"
        )
    for username, (name, roles, units) in accounts.items():
        where = units[0] if len(units) == 1 else f"{units[0]}等{len(units)}个单位"
        lines.append(f"  {username:<10} {name:<4}\t{'、'.join(str(ROLE_LABELS[r]) for r in roles)}\t{where}")
    return "\n".join(lines)


# --- issue 10: online applications in every public state (portal.md) ------------------------------

# Demo tracking codes are fixed (and listed by online_demo_text) so the status page can be tried;
# real ones are 80 random bits (services.intake). (state, unit code, working days ago submitted)
ONLINE_DEMO = (
    ("submitted", "jd-fgj", 0),
    ("submitted", "jd-zjj", 3),  # past the next working day: the sweep alerts the clerks, then the head
    ("rejected", "jd-fgj", 2),
    ("registered", "jd-jyj", 2),
    ("correction_pending", "jd-zrzy", 7),
    ("handling", "jd-scjg", 9),
    ("extended", "jd-dhjd", 16),
    ("replied", "jd-fgj", 14),
)
ONLINE_DEMO_PHONE = "1380000{:04d}"


def online_demo_code(n: int) -> str:
    return f"DEMQ-2026-0000-{n:04d}"


def build_online_applications(builder: DemoBuilder) -> int:
    """A few online applications, each taken to its state through the services as the public side
    and the clerks would (submitted, rejected, registered, a correction answered online and waiting,
    handling, extended, replied); returns how many."""
    today = builder.today
    for n, (state, code, ago) in enumerate(ONLINE_DEMO, start=1):
        day = builder.back(today, ago)
        clerk = builder.staff.clerk[code]
        born = date(builder.rng.randint(1960, 2000), builder.rng.randint(1, 12), builder.rng.randint(1, 28))
        data = {
            "applicant_type": "natural_person", "applicant_name": builder.person_name(),
            "applicant_id_number": builder.id_number(born), "phone": ONLINE_DEMO_PHONE.format(n),
            "email": f"applicant{n}@example.com", "address": f"金华市金东区{builder.rng.choice(PLACES)}{n}号",
            "content": builder.rng.choice(CONTENTS[code]).format(y=today.year - 1, place=builder.rng.choice(PLACES)),
            "provision_form": "email", "delivery_method": builder.rng.choice(["online", "email", "post"]),
        }
        now = builder.at(day)
        req, _code = services.submit_application(unit=builder.units[code], data=data, now=now)
        # the demo's own, listed code instead of the random one (its hash, as always)
        req.tracking_hash = intake.tracking_hash(online_demo_code(n))
        DisclosureRequest.objects.filter(pk=req.pk).update(tracking_hash=req.tracking_hash)
        if state == "submitted":
            continue
        if state == "rejected":
            now = builder.at(day)
            services.reject_submission(req, actor=clerk,
                                       reason="提交内容与政府信息公开无关（咨询办事流程），请通过12345热线咨询。",
                                       today=day, now=now)
            continue
        confirmed = builder.wd(day, 1) if ago >= 2 else day
        now = builder.at(confirmed)
        services.confirm_receipt(req, actor=clerk, today=confirmed, now=now)
        if state == "registered":
            continue
        if state == "correction_pending":
            asked = builder.wd(confirmed, 1)
            now = builder.at(asked)
            services.request_correction(req, actor=clerk, requested_on=asked, today=asked,
                                        items="请写明所需规划许可的项目名称或批文文号。",
                                        period_until=asked + timedelta(days=15), now=now)
            now = builder.at(builder.back(today, 1))
            services.submit_correction(req=req, tracking_code=online_demo_code(n), now=now,
                                       data={"content": "项目名称为“金东区某路口改造工程”，"
                                                        "批文号金东资规〔2025〕18号。"})
            continue
        builder.accept(req, builder.wd(confirmed, 1))
        if state == "extended":
            builder.extend(req, builder.wd(confirmed, 10))
        if state == "replied":
            builder.answer(req, Outcome.GRANTED, builder.back(today, 2), legal=False)
    return len(ONLINE_DEMO)


def online_demo_text() -> str:
    """The demo's online applications and how to look them up on the public status page."""
    lines = ["演示网上申请 demo online applications（/public/status/，查询码 + 手机号）："]
    for n, (state, code, _ago) in enumerate(ONLINE_DEMO, start=1):
        lines.append(f"  {online_demo_code(n)}  {ONLINE_DEMO_PHONE.format(n)}  {state:<18} {code}")
    return "\n".join(lines)

