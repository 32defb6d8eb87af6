"""Crafted requests around National Day 2025 (国庆、中秋 10-01..10-08; make-up days Sun 09-28 and
Sat 10-11), with deadlines computed by disclosure.deadlines over the real (migrated) calendar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from disclosure import deadlines as dl
from disclosure.models import Consultation, FeeNotice
from disclosure.services import case_dates, deadline_fields
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Outcome, Status
from tests.factories import RequestFactory


def make_request(unit, ref, received_on, status=Status.HANDLING, handler=None, **fields):
    req = RequestFactory(unit=unit, ref=ref, received_on=received_on, submitted_on=received_on, status=status,
                         handler=handler, **fields)
    refresh_deadlines(req)
    return req


def refresh_deadlines(req, calendar=None):
    calendar = calendar or load_work_calendar()
    for name, value in deadline_fields(dl.compute_deadline(case_dates(req), calendar)).items():
        setattr(req, name, value)
    req.save()
    return req


def consult(req, kind, sent_on, party="某公司"):
    due = dl.add_workdays(sent_on, dl.CONSULTATION_DAYS, load_work_calendar())
    c = Consultation.objects.create(request=req, kind=kind, party=party, sent_on=sent_on, due_on=due)
    refresh_deadlines(req)
    return c


def build(tree, people):
    dept, town, other = tree["dept"], tree["town"], tree["other"]
    town.reminder_days = "3"  # this township is reminded once, 3 working days ahead
    town.save()
    reqs = {
        # due 10-30 (statute.md §4 table): reminders 10-23 and 10-29, overdue 10-31, escalated 11-04
        "R1": make_request(dept, "R1", date(2025, 9, 26), handler=people["clerk"]),
        # no handler: the unit's clerks. due 10-23
        "R2": make_request(dept, "R2", date(2025, 9, 19)),
        # still registered, no correction notice: 7 wd end 10-16; reply due 11-04; town thresholds "3"
        "R3": make_request(town, "R3", date(2025, 9, 30), status=Status.REGISTERED),
        # due 10-14: the 5-day reminder falls before the holiday (09-30)
        "R4": make_request(dept, "R4", date(2025, 9, 10), handler=people["clerk"]),
        "R5": make_request(dept, "R5", date(2025, 9, 26), status=Status.CONSULTING, handler=people["clerk"]),
        "R6": make_request(dept, "R6", date(2025, 9, 26), status=Status.CONSULTING, handler=people["clerk"]),
        "R7": make_request(dept, "R7", date(2025, 9, 22), status=Status.AWAITING_CORRECTION,
                           correction_requested_on=date(2025, 9, 29), correction_period_until=date(2025, 10, 15)),
        "R8": make_request(dept, "R8", date(2025, 10, 9), handler=people["clerk"], extension_days=20),
        # replied: never alerted
        "R9": make_request(dept, "R9", date(2025, 9, 26), status=Status.REPLIED, handler=people["clerk"],
                           outcome=Outcome.GRANTED, concluded_on=date(2025, 10, 20)),
        # another district: its own clerk, no supervisor above it
        "R10": make_request(other, "R10", date(2025, 9, 26), handler=people["other_clerk"]),
    }
    consult(reqs["R5"], Consultation.Kind.THIRD_PARTY, date(2025, 9, 29))
    consult(reqs["R6"], Consultation.Kind.AGENCY, date(2025, 10, 9), party="市自然资源局")
    FeeNotice.objects.create(request=reqs["R8"], amount=Decimal("100.00"), basis="按件计收", notice_on=date(2025, 10, 9),
                             due_on=dl.add_workdays(date(2025, 10, 9), dl.FEE_PAYMENT_DAYS, load_work_calendar()))
    return reqs
