"""The demo dataset: 金东区人民政府 with its departments and townships, staff in every role and
about 300 requests from 2024 on, in every state and with every outcome.

Every request is driven through the services (disclosure/services/), one call per arrow, with the
dates a real case would have had, so each one carries its full event history. Each step passes the services its moment
(`now`, office hours on the step's day), so the events' timestamps read as history too (year-end
figures are recomputed from the log). The random choices come from a fixed seed: the same `today` gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from documents import services as letters

from .. import deadlines as dl
from .. import services
from ..idnumbers import credit_code_check
from ..models import (
    ApplicantType,
    Channel,
    Consultation,
    DisclosureRequest,
    PostKind,
    ProvisionForm,
    StaffRole,
    Unit,
    User,
)
from ..workcalendar import load_work_calendar
from ..workflow import CLOSING_OUTCOMES, REFUSALS, Outcome, Status, legal_review_required
from .data import (
    COMPANIES,
    CONCLUDED_COUNT,
    CONSULTED_AGENCIES,
    CONSULTED_THIRD_PARTIES,
    CONTENTS,
    DELIVERY_METHODS,
    GIVEN,
    LAW_FIRMS,
    LETTERS_ISSUED_DAYS,
    OLD_DAYS,
    OPEN_PLAN,
    OTHER_ORGS,
    OUTCOME_WEIGHTS,
    PLACES,
    PROCEEDING_OUTCOMES,
    RECENT_COUNT,
    RECENT_OUTCOMES,
    RESEARCH,
    ROOT_CODE,
    SEED,
    SURNAMES,
    UNIT_WEIGHTS,
    UNITS,
    WELFARE,
    demo_password,
)


@dataclass
class Staff:
    clerk: dict[str, User] = field(default_factory=dict)  # unit code -> user
    reviewer: dict[str, User] = field(default_factory=dict)
    head: dict[str, User] = field(default_factory=dict)
    legal: User | None = None
    supervisor: User | None = None
    admin: User | None = None


class DemoBuilder:
    def __init__(self, today: date, seed: int = SEED):
        self.today = today
        self.rng = random.Random(seed)
        self.calendar = load_work_calendar()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.units: dict[str, Unit] = {}
        self.staff = Staff()
        self.names_used: set[str] = set()
        self.steps_on: dict[date, int] = {}
        self.started_at = timezone.now()
        self.delayed_once = False  # one open request shows 第三十五条's later reply date

    # --- time -------------------------------------------------------------------------------

    def wd(self, day: date, n: int) -> date:
        """The n-th working day after `day`."""
        return dl.add_workdays(day, n, self.calendar)

    def back(self, day: date, n: int) -> date:
        """The n-th working day before `day` (n=0: `day` itself if it is a working day)."""
        while not self.calendar.is_workday(day):
            day -= timedelta(days=1)
        while n > 0:
            day -= timedelta(days=1)
            if self.calendar.is_workday(day):
                n -= 1
        return day

    def workday_on_or_after(self, day: date) -> date:
        while not self.calendar.is_workday(day):
            day += timedelta(days=1)
        return day

    def at(self, day: date) -> datetime:
        """The moment of one step, office hours on `day`: the services are told it (`now`), so events
        and timestamps read as history."""
        step = self.steps_on[day] = self.steps_on.get(day, 0) + 1  # later steps of a day come later
        moment = datetime.combine(day, time(8, 30), tzinfo=self.tz) + timedelta(seconds=97 * step)
        return min(moment, self.started_at)  # today's steps happened before the load, not later

    # --- units and staff ---------------------------------------------------------------------

    def person_name(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.names_used:
                self.names_used.add(name)
                return name

    def build_units(self) -> None:
        root = None
        for code, name, kind, prefix, _short in UNITS:
            unit, _ = Unit.objects.update_or_create(
                code=code, defaults={"name": name, "kind": kind, "ref_prefix": prefix, "parent": root,
                                     # the district has no government above it in the demo: its 复议机关
                                     **({"reconsideration_body": "金华市人民政府"} if root is None else {})}
            )
            root = root or unit
            self.units[code] = unit

    def build_staff(self) -> None:
        password = make_password(demo_password())  # hashed once: every demo account shares it

        def account(username: str, unit: Unit, roles: list[str], *, superuser: bool = False, name: str = "") -> User:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "full_name": name or self.person_name(), "is_staff": True, "is_superuser": superuser,
                    "password": password, "email": f"{username}@jindong.example.gov.cn",
                },
            )
            for role in roles:
                StaffRole.objects.get_or_create(user=user, unit=unit, role=role)
            return user

        root = self.units[ROOT_CODE]
        self.staff.admin = account("admin", root, [StaffRole.Role.ADMIN], superuser=True)
        self.staff.supervisor = account("duban", root, [StaffRole.Role.SUPERVISOR])
        legal = account("fazhi", root, [StaffRole.Role.LEGAL_REVIEWER])
        for code, _name, _kind, _prefix, short in UNITS:
            unit = self.units[code]
            StaffRole.objects.get_or_create(user=legal, unit=unit, role=StaffRole.Role.LEGAL_REVIEWER)
            self.staff.clerk[code] = account(f"{short}_jbr", unit, [StaffRole.Role.CLERK])
            self.staff.reviewer[code] = account(f"{short}_shr", unit, [StaffRole.Role.REVIEWER])
            self.staff.head[code] = account(f"{short}_fzr", unit, [StaffRole.Role.HEAD])
        self.staff.legal = legal
        # 报告编制人 compiles the district's annual report (a fixed name: the seeded draws stay as they were)
        account("bianzhi", root, [StaffRole.Role.COMPILER], name="编制员")

    # --- applicants -------------------------------------------------------------------------

    def id_number(self, born: date) -> str:
        body = f"330703{born:%Y%m%d}{self.rng.randint(0, 999):03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
        return body + check

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randint(0, 9)}{self.rng.randint(0, 99999999):08d}"

    def credit_code(self) -> str:
        chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "91330703" + "".join(self.rng.choice(chars) for _ in range(9))
        return body + credit_code_check(body)  # registration checks the GB 32100 check character

    def applicant(self) -> dict:
        kind = self.rng.choices(
            [ApplicantType.NATURAL_PERSON, ApplicantType.COMMERCIAL, ApplicantType.RESEARCH,
             ApplicantType.SOCIAL_WELFARE, ApplicantType.LEGAL_SERVICE, ApplicantType.OTHER_ORG],
            weights=[70, 12, 3, 3, 7, 5],
        )[0]
        if kind == ApplicantType.NATURAL_PERSON:
            born = date(self.rng.randint(1950, 2000), self.rng.randint(1, 12), self.rng.randint(1, 28))
            fields = {"applicant_name": self.person_name(), "applicant_id_number": self.id_number(born),
                      "applicant_contact": self.phone()}
            if self.rng.random() < 0.1:
                fields.update(agent_name=self.person_name(), agent_contact=self.phone())
            return {"applicant_type": kind, **fields}
        pool = {ApplicantType.COMMERCIAL: COMPANIES, ApplicantType.RESEARCH: RESEARCH,
                ApplicantType.SOCIAL_WELFARE: WELFARE, ApplicantType.LEGAL_SERVICE: LAW_FIRMS,
                ApplicantType.OTHER_ORG: OTHER_ORGS}[kind]
        return {
            "applicant_type": kind, "applicant_name": self.rng.choice(pool),
            "applicant_id_number": self.credit_code() if kind == ApplicantType.COMMERCIAL else "",
            "applicant_contact": f"0579-8{self.rng.randint(0, 9999999):07d}",
            "agent_name": self.person_name(), "agent_contact": self.phone(),
        }

    def channel_fields(self, received_on: date) -> dict:
        """Channel and dates from which register_request derives `received_on` (第三十一条)."""
        channel = self.rng.choices(
            [Channel.ONLINE, Channel.IN_PERSON, Channel.LETTER, Channel.EMAIL, Channel.FAX], weights=[45, 25, 22, 6, 2]
        )[0]
        if channel == Channel.IN_PERSON:
            return {"channel": channel, "submitted_on": received_on}
        if channel == Channel.LETTER:
            sent = received_on - timedelta(days=self.rng.randint(1, 4))
            if self.rng.random() < 0.7:
                return {"channel": channel, "post_kind": PostKind.SIGNED, "submitted_on": sent,
                        "signed_for_on": received_on}
            return {"channel": channel, "post_kind": PostKind.ORDINARY, "submitted_on": sent,
                    "confirmed_on": received_on}
        # online, e-mail, fax: many arrive over the weekend and are confirmed on the next working day
        sent = received_on - timedelta(days=self.rng.choice([0, 0, 0, 1, 2]))
        return {"channel": channel, "submitted_on": sent, "confirmed_on": received_on}

    # --- one request through its life --------------------------------------------------------

    def register(self, code: str, received_on: date) -> DisclosureRequest:
        template = self.rng.choice(CONTENTS[code])
        content = template.format(y=self.rng.choice([received_on.year - 1, received_on.year]),
                                  place=self.rng.choice(PLACES))
        now = self.at(received_on)
        return services.register_request(
            actor=self.staff.clerk[code], unit=self.units[code], today=received_on,
            content=content, provision_form=self.rng.choice(ProvisionForm.values[:3]),
            purpose=self.rng.choice(["", "", "维护自身合法权益", "学术研究", "了解相关政策"]),
            **self.applicant(), **self.channel_fields(received_on), now=now,
        )

    def review(self, req, day):
        now = self.at(day)
        services.start_review(req, actor=self.staff.reviewer[req.unit.code], now=now)

    def correction(self, req, requested_on: date, *, received: bool, received_after: int = 5) -> date:
        period_until = requested_on + timedelta(days=15)
        now = self.at(requested_on)
        services.request_correction(
            req, actor=self.staff.clerk[req.unit.code], requested_on=requested_on, today=requested_on,
            items=self.rng.choice([
                "请写明所需政府信息的名称、文号或者便于行政机关查询的其他特征性描述。",
                "请提供申请人身份证明复印件。",
                "申请内容涉及多项信息，请逐项列明所需信息的具体内容。",
            ]),
            period_until=period_until, now=now,
        )
        if not received:
            return requested_on
        received_on = min(self.wd(requested_on, received_after), period_until)
        now = self.at(received_on)
        services.record_correction(req, actor=self.staff.clerk[req.unit.code], received_on=received_on,
                                   today=received_on, now=now)
        return received_on

    def accept(self, req, day, *, assign: bool = False):
        """审核通过; `assign` also names the handler, which sends them an assignment notice, so
        only requests still open are assigned (history would flood the outbox)."""
        code = req.unit.code
        now = self.at(day)
        services.accept(req, actor=self.staff.reviewer[code], now=now)
        if assign:
            services.assign_handler(req, actor=self.staff.reviewer[code], handler=self.staff.clerk[code], now=now)

    def consult(self, req, sent_on: date, *, answer_after: int | None) -> date:
        agency = self.rng.random() < 0.5
        kind = Consultation.Kind.AGENCY if agency else Consultation.Kind.THIRD_PARTY
        party = self.rng.choice(CONSULTED_AGENCIES if agency else CONSULTED_THIRD_PARTIES)
        now = self.at(sent_on)
        consultation = services.start_consultation(
            req, actor=self.staff.clerk[req.unit.code], kind=kind, party=party, sent_on=sent_on, today=sent_on, now=now
        )
        if answer_after is None:
            return sent_on
        if agency and self.rng.random() < 0.3:
            replied_on, opinion, consents = consultation.due_on, "", None  # silence: 视为同意 (第三十四条)
        else:
            replied_on = self.wd(sent_on, answer_after)
            consents = self.rng.random() < 0.6
            opinion = "同意公开。" if consents else "涉及商业秘密，不同意公开。"
        now = self.at(replied_on)
        services.record_consultation_reply(
            consultation, actor=self.staff.clerk[req.unit.code], replied_on=replied_on, opinion=opinion,
            consents=consents, today=replied_on, now=now,
        )
        return replied_on

    def fee(self, req, notice_on: date, *, paid_after: int | None):
        # 按量 (109号第五条): the amount and basis are the quote's for the pages provided
        pages = self.rng.choice([45, 80, 130, 250, 320])
        now = self.at(notice_on)
        notice = services.issue_fee_notice(
            req, actor=self.staff.clerk[req.unit.code], pages=pages, notice_on=notice_on, today=notice_on, now=now,
        )
        if paid_after is not None:
            paid_on = self.wd(notice_on, paid_after)
            now = self.at(paid_on)
            services.record_fee_payment(notice, actor=self.staff.clerk[req.unit.code], paid_on=paid_on,
                                        receipt_number=f"ZJ{self.rng.randint(10**9, 10**10 - 1)}", today=paid_on,
                                        now=now)
            return notice, paid_on
        return notice, notice_on

    def extend(self, req, day: date) -> date:
        day = min(day, req.due_on)
        now = self.at(day)
        services.approve_extension(
            req, actor=self.staff.head[req.unit.code], days=self.rng.choice([10, 15, 20, 20]),
            approved_on=day, notified_on=day, today=day,
            reason=self.rng.choice([
                "申请内容涉及多个年度档案，需调档核查。", "需会同多个科室检索汇总。", "所涉信息数量较大，需逐页审查。",
            ]), now=now,
        )
        return day

    def reply_data(self, req, outcome: str) -> dict:
        # Recent replies were signed here, issuing their 答复书 (its 文号 is the number taken); older ones
        # carry the number of a letter made in Word, as a district's history does (and it keeps the
        # demo quick: a letter takes a quarter of a second to render).
        data = {} if self.letters_issued(req) else {"letter_number": f"{req.ref}答复"}
        if outcome == Outcome.ALREADY_PUBLIC:
            data["access_route"] = "金华市金东区人民政府门户网站“政府信息公开”栏目"
        if outcome in REFUSALS or outcome == Outcome.PARTIAL:
            data["reason"] = {
                Outcome.REFUSED_STATE_SECRET: "所申请信息经定密属于国家秘密，依据条例第十四条不予公开。",
                Outcome.REFUSED_LAW_PROHIBITED: "依据《中华人民共和国统计法》第二十五条不予公开。",
                Outcome.REFUSED_SECURITY_STABILITY: "公开后可能危及社会稳定，依据条例第十四条不予公开。",
                Outcome.REFUSED_THIRD_PARTY: "涉及第三方商业秘密，第三方不同意公开，依据条例第十五条不予公开。",
                Outcome.REFUSED_INTERNAL_AFFAIRS: "属于内部管理信息，依据条例第十六条第一款可不予公开。",
                Outcome.REFUSED_PROCESS_INFO: "属于讨论记录、过程稿等过程性信息，依据条例第十六条第二款可不予公开。",
                Outcome.REFUSED_ENFORCEMENT_FILE: "属于行政执法案卷信息，依据条例第十六条第二款可不予公开。",
                Outcome.REFUSED_QUERY_MATTER: "属于行政查询事项，请按查询程序办理。",
            }.get(outcome, "涉及第三方个人信息，依据条例第十五条不予公开。")
        if outcome == Outcome.OTHER:  # the 答复书 says how it was handled
            data["reason"] = "经与申请人沟通，所需信息已通过现场查阅方式提供"
        if outcome == Outcome.PARTIAL:
            data["withheld_parts"] = "被征收户的身份证号码、联系电话和银行账号"
        if outcome == Outcome.NOT_THIS_AGENCY:
            data["competent_body"] = self.rng.choice(["金华市人民政府", "金华市自然资源和规划局", "金东区财政局"])
        if outcome == Outcome.NOT_PROCESSED_DUPLICATE:
            earlier = DisclosureRequest.objects.filter(unit=req.unit).exclude(pk=req.pk).order_by("-pk").first()
            data["earlier_request"] = earlier.ref if earlier else "金东公开〔2024〕第0001号"
        return data

    def letters_issued(self, req) -> bool:
        return req.received_on >= self.today - timedelta(days=LETTERS_ISSUED_DAYS)

    def answer(self, req, outcome: str, reply_on: date, *, legal: bool, returned: bool = False):
        code = req.unit.code
        data = self.reply_data(req, outcome)
        issue = self.letters_issued(req)
        if legal or legal_review_required(outcome, req.unit.rules):
            self.submit(req, outcome, data, self.back(reply_on, 2), returned=returned)
            self.sign(req, self.back(reply_on, 1))
        else:  # 签发 without legal review: the clerk submits it to the head
            now = self.at(self.back(reply_on, 1))
            services.submit_for_sign_off(req, actor=self.staff.clerk[code], outcome=outcome, reply_data=data, now=now)
        now = self.at(reply_on)
        letters.sign_reply(req, actor=self.staff.head[code], replied_on=reply_on, today=reply_on,
                           issue_letter=issue, queue_pdf=False, now=now)

    def submit(self, req, outcome: str, data: dict, day: date, *, returned: bool = False):
        code = req.unit.code
        now = self.at(day)
        services.submit_for_legal_review(req, actor=self.staff.clerk[code], outcome=outcome, reply_data=data, now=now)
        if returned:
            now = self.at(day)
            services.return_for_revision(req, actor=self.staff.legal,
                                         note="答复书未引用具体条款，请补充法律依据后重新提交。", now=now)
            now = self.at(day)
            services.submit_for_legal_review(req, actor=self.staff.clerk[code], outcome=outcome, reply_data=data,
                                             now=now)

    def sign(self, req, day: date):
        now = self.at(day)
        services.approve_legal_review(req, actor=self.staff.legal, note="经审核，答复依据充分，同意签发。", now=now)

    def conclude(self, req, outcome: str, day: date, reason: str):
        now = self.at(day)
        services.conclude(req, actor=self.staff.clerk[req.unit.code], outcome=outcome, concluded_on=day,
                          reason=reason, today=day, now=now)

    def archive(self, req, concluded_on: date, later: list | tuple = ()) -> DisclosureRequest:
        """归档; `later` proceedings (plan_proceedings) are recorded on their days, before or after it."""
        delivered_on = concluded_on + timedelta(days=self.rng.choice([0, 0, 1, 2, 3]))
        archived_on = delivered_on + timedelta(days=self.rng.randint(3, 30))
        if archived_on > self.today:
            self.proceedings(req, later)
            return req
        self.proceedings(req, [step for step in later if step[1] < archived_on])
        now = self.at(archived_on)
        services.archive(
            req, actor=self.staff.clerk[req.unit.code], delivery_method=self.rng.choice(DELIVERY_METHODS),
            delivered_on=delivered_on, archived_on=archived_on, today=archived_on,
            archive_number=f"WS·{concluded_on.year}·{req.ref_seq or req.pk:04d}", now=now,
        )
        self.proceedings(req, [step for step in later if step[1] >= archived_on])
        return req

    def delay_under_article_35(self, req, asked_on: date) -> None:
        """第三十五条: an applicant with dozens of requests this month is asked for reasons; they hold,
        but the material cannot be gathered in time, so the head sets a later reply date."""
        code = req.unit.code
        now = self.at(asked_on)
        services.request_reasons(req, actor=self.staff.clerk[code], requested_on=asked_on, today=asked_on,
                                 note="该申请人本月已提交申请38件，涉及近十年全部会议纪要。", now=now)
        decided_on = min(self.back(self.today, 1), req.due_on)
        now = self.at(decided_on)
        services.set_delayed_reply(
            req, actor=self.staff.head[code], today=decided_on, notified_on=decided_on,
            finding="申请人说明系开展课题研究所需，理由合理；所涉纪要需逐卷调取、逐页审查，无法在法定期限内答复。",
            delayed_until=req.due_on + timedelta(days=45), now=now,
        )

    def plan_proceedings(self, concluded_on: date) -> list[tuple[str, date, dict]]:
        """行政复议 and 行政诉讼 (table 四) as they happen after the reply: (service, day, arguments)."""
        filed = concluded_on + timedelta(days=self.rng.randint(20, 55))
        if filed > self.today:
            return []
        steps = [("record_reconsideration", filed, {"filed_on": filed})]
        decided = filed + timedelta(days=self.rng.randint(50, 70))
        if decided <= self.today and self.rng.random() < 0.85:
            outcome = self.rng.choice(["upheld", "upheld", "upheld", "corrected", "other"])
            steps.append(("record_reconsideration", decided,
                          {"filed_on": filed, "outcome": outcome, "decided_on": decided}))
            sued = decided + timedelta(days=self.rng.randint(5, 14))
            if sued <= self.today and self.rng.random() < 0.35:
                steps.append(("record_litigation", sued, {"filed_on": sued, "after_reconsideration": True}))
                judged = sued + timedelta(days=self.rng.randint(80, 150))
                if judged <= self.today:
                    steps.append(("record_litigation", judged, {
                        "filed_on": sued, "after_reconsideration": True,
                        "outcome": self.rng.choice(["upheld", "upheld", "corrected"]), "decided_on": judged,
                    }))
        return steps

    def proceedings(self, req, steps: list[tuple[str, date, dict]]) -> None:
        """Recorded through the services, each on its day, after the file was archived (if it was)."""
        for service, day, arguments in sorted(steps, key=lambda step: step[1]):
            now = self.at(day)
            getattr(services, service)(req, actor=self.staff.clerk[req.unit.code], today=day, **arguments, now=now)

    # --- plans -------------------------------------------------------------------------------

    def pick_unit(self) -> str:
        codes = list(UNIT_WEIGHTS)
        return self.rng.choices(codes, weights=[UNIT_WEIGHTS[c] for c in codes])[0]

    def concluded_request(self, outcome: str, received_on: date) -> DisclosureRequest:
        """A request of the past that ended with `outcome`, with the side paths real cases take.

        Received at least OLD_DAYS ago, so even the longest path (correction, consultation, fee,
        extension, a late reply) ends before today."""
        rng = self.rng
        req = self.register(self.pick_unit(), received_on)
        t = received_on
        if rng.random() < 0.6:
            t = self.wd(received_on, rng.randint(0, 1))
            self.review(req, t)
        if outcome in (Outcome.ABANDONED_NO_CORRECTION, Outcome.UNAVAILABLE_UNCLEAR) or (
            outcome not in CLOSING_OUTCOMES and rng.random() < 0.08
        ):
            requested_on = self.wd(received_on, rng.randint(2, 6))
            if outcome == Outcome.ABANDONED_NO_CORRECTION:
                self.correction(req, requested_on, received=False)
                end = req.correction_period_until + timedelta(days=rng.randint(1, 6))
                self.conclude(req, outcome, end, "申请人逾期未补正，视为放弃申请。")
                return self.archive(req, end)
            t = self.correction(req, requested_on, received=True, received_after=rng.randint(2, 8))
        if outcome == Outcome.WITHDRAWN:
            end = self.wd(t, rng.randint(1, 8))
            self.conclude(req, outcome, end, "申请人书面申请撤回。")
            return self.archive(req, end)
        if t == received_on:
            t = self.wd(t, rng.randint(0, 2))
        self.accept(req, t)
        if outcome in (Outcome.REFUSED_THIRD_PARTY, Outcome.PARTIAL) or rng.random() < 0.06:
            t = self.consult(req, self.wd(t, rng.randint(1, 4)), answer_after=rng.randint(4, 14))
        if outcome == Outcome.ABANDONED_FEE_UNPAID:
            notice, _ = self.fee(req, self.wd(t, rng.randint(1, 3)), paid_after=None)
            end = self.wd(notice.due_on, rng.randint(1, 3))
            self.conclude(req, outcome, end, "申请人逾期未缴纳信息处理费，视为放弃申请。")
            return self.archive(req, end)
        if outcome in (Outcome.GRANTED, Outcome.PARTIAL) and rng.random() < 0.08:
            _, t = self.fee(req, self.wd(t, rng.randint(1, 3)), paid_after=rng.randint(2, 12))
        if rng.random() < 0.1:
            t = self.extend(req, self.wd(t, rng.randint(3, 10)))
        if rng.random() < 0.05:
            reply_on = self.wd(req.due_on, rng.randint(1, 6))  # late: the reply missed the deadline
        else:
            span = max(dl.workdays_between(t, req.due_on, self.calendar), 3)
            reply_on = self.wd(t, rng.randint(3, min(span, 18)))
        legal = outcome in REFUSALS or outcome == Outcome.PARTIAL or rng.random() < 0.15
        self.answer(req, outcome, reply_on, legal=legal, returned=legal and rng.random() < 0.15)
        later = self.plan_proceedings(reply_on) if outcome in PROCEEDING_OUTCOMES and rng.random() < 0.2 else []
        if rng.random() < 0.93:
            return self.archive(req, reply_on, later)
        self.proceedings(req, later)
        return req

    def recent_request(self, outcome: str, received_on: date, *, archive: bool) -> DisclosureRequest:
        """A request of the last months on the plain path: accepted, handled, replied (or withdrawn)."""
        rng = self.rng
        req = self.register(self.pick_unit(), received_on)
        if outcome == Outcome.WITHDRAWN:
            end = min(self.wd(received_on, rng.randint(2, 6)), self.today)
            self.conclude(req, outcome, end, "申请人书面申请撤回。")
        else:
            self.accept(req, self.wd(received_on, 1))
            end = min(self.wd(received_on, rng.randint(5, 18)), self.back(self.today, 1))
            self.answer(req, outcome, end, legal=outcome in REFUSALS)
        return self.archive(req, end) if archive else req

    def open_request(self, status: str, overdue: bool) -> DisclosureRequest:
        """A request still in `status` today; `overdue` ones were received long enough ago to be late."""
        rng, today = self.rng, self.today
        code = self.pick_unit()
        if status == Status.REGISTERED:
            return self.register(code, self.back(today, rng.randint(0, 2)))
        if status == Status.REVIEWING:
            received_on = self.back(today, rng.randint(1, 5))
            req = self.register(code, received_on)
            self.review(req, self.wd(received_on, 1))
            return req
        if status == Status.AWAITING_CORRECTION:
            # the 25-working-day one has let its correction period lapse: staff may now conclude it
            received_on = self.back(today, rng.choice([4, 6, 8, 12, 25]))
            req = self.register(code, received_on)
            self.correction(req, self.wd(received_on, 2), received=False)
            return req
        received_on = self.back(today, rng.randint(22, 32) if overdue else rng.randint(6, 16))
        req = self.register(code, received_on)
        t = self.wd(received_on, 1)
        self.accept(req, t, assign=True)
        if status == Status.HANDLING:
            if not overdue and not self.delayed_once:
                self.delayed_once = True
                self.delay_under_article_35(req, t)
                return req
            if not overdue and rng.random() < 0.3:
                self.extend(req, self.back(today, 1))
            elif rng.random() < 0.2:
                self.fee(req, self.wd(t, 1), paid_after=None)
            return req
        if status == Status.CONSULTING:
            self.consult(req, self.wd(t, rng.randint(1, 3)), answer_after=None)
            return req
        outcome = rng.choice(
            [Outcome.GRANTED, Outcome.PARTIAL, Outcome.REFUSED_PROCESS_INFO, Outcome.UNAVAILABLE_NOT_HELD]
        )
        if status == Status.SIGN_OFF and not legal_review_required(outcome, req.unit.rules):
            now = self.at(self.back(today, 1))  # needs no legal review: straight to the head
            services.submit_for_sign_off(req, actor=self.staff.clerk[code], outcome=outcome,
                                         reply_data=self.reply_data(req, outcome), now=now)
            return req
        self.submit(req, outcome, self.reply_data(req, outcome), self.back(today, 2))
        if status == Status.SIGN_OFF:
            self.sign(req, self.back(today, 1))
        return req

    def build_requests(self) -> int:
        """Concluded requests from 1 January two years back, the plain cases of the last months,
        then the open ones of the last weeks, each received in date order within its group."""
        first = date(self.today.year - 2, 1, 2)
        span = (self.today - timedelta(days=OLD_DAYS) - first).days
        outcomes = list(Outcome)  # every outcome at least once
        outcomes += self.rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()),
                                     k=CONCLUDED_COUNT - len(outcomes))
        self.rng.shuffle(outcomes)
        count = 0
        for received_on, outcome in sorted(
            (self.workday_on_or_after(first + timedelta(days=self.rng.randint(0, span))), o) for o in outcomes
        ):
            self.concluded_request(outcome, received_on)
            count += 1
        recent = [(self.back(self.today, self.rng.randint(12, 95)), self.rng.choice(RECENT_OUTCOMES))
                  for _ in range(RECENT_COUNT)]
        for received_on, outcome in sorted(recent):
            # replied or withdrawn in the last weeks: not yet delivered and archived
            self.recent_request(outcome, received_on, archive=received_on < self.today - timedelta(days=60))
            count += 1
        for status, how_many, overdue in OPEN_PLAN:
            for i in range(how_many):
                self.open_request(status, overdue=i < overdue)
                count += 1
        return count
