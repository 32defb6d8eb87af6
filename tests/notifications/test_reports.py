"""The supervisors' daily digest, the monthly bulletin and the calendar coverage alert."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core import mail

from disclosure.models import CalendarYear
from disclosure.workcalendar import load_from_csv
from disclosure.workflow import Outcome, Status
from notifications import bulletin, delivery, services
from notifications.models import Alert, AlertKind, MonthlyBulletin
from tests.factories import staff

from .scenario import build, make_request


@pytest.mark.django_db
def test_digest_lists_overdue_and_near_deadlines_of_the_subtree_grouped_by_unit(tree, people):
    build(tree, people)
    town_r = make_request(tree["town"], "T9", date(2025, 10, 10))  # due 11-07... not within 2 days on 10-29
    services.sweep(date(2025, 10, 29))
    digest = Alert.objects.get(kind=AlertKind.DIGEST)
    assert digest.recipient == people["supervisor"] and digest.deadline == date(2025, 10, 29)
    assert digest.subject == "【天天监测】10月29日 超期2件、临期1件"
    body = digest.body.splitlines()
    # horizon: 2 working days after 10-29 is 10-31 → R1 (due 10-30); overdue R4 (10-14), R2 (10-23)
    assert body[0] == "截至 2025年10月29日，您督办范围内超期或2个工作日内到期的申请共3件，其中超期2件："
    assert body[2] == "【金东区发展和改革局】共3件，其中超期2件"
    assert [line.split()[1] for line in body[3:6]] == ["R4", "R2", "R1"]
    assert "已超期11个工作日" in body[3]  # 10-15..10-29 working days
    assert "已超期4个工作日" in body[4] and "还剩1个工作日" in body[5]
    assert "经办人：clerk" not in body[3] and "经办人：用户" in body[3] and "经办人：未指定" in body[4]
    assert "R10" not in digest.body  # another district
    assert "多湖街道" not in digest.body and town_r.ref not in digest.body
    # one digest per supervisor per day
    assert services.sweep(date(2025, 10, 29)).created == []
    assert Alert.objects.filter(kind=AlertKind.DIGEST).count() == 1


@pytest.mark.django_db
def test_digest_of_a_department_supervisor_covers_only_that_department(tree, people):
    build(tree, people)
    dept_sup = staff("dept_sup", tree["town"], "supervisor")
    services.sweep(date(2025, 11, 5))
    digest = Alert.objects.get(kind=AlertKind.DIGEST, recipient=dept_sup)
    assert "【多湖街道】共1件，其中超期1件" in digest.body
    assert "金东区发展和改革局" not in digest.body
    root_digest = Alert.objects.get(kind=AlertKind.DIGEST, recipient=people["supervisor"])
    # units in tree order (materialised path: /jindong/jd-dxz/ before /jindong/jd-fgj/)
    assert root_digest.body.index("【多湖街道】共1件") < root_digest.body.index("【金东区发展和改革局】共3件")


@pytest.mark.django_db
def test_monthly_bulletin_waits_for_the_first_working_day_after_national_day(tree, people):
    people["supervisor"].email = "sup@example.gov.cn"
    people["supervisor"].save()
    dept = tree["dept"]
    make_request(dept, "B1", date(2025, 9, 1), status=Status.REPLIED, outcome=Outcome.GRANTED,
                 concluded_on=date(2025, 9, 20))  # due 09-29: on time
    make_request(dept, "B2", date(2025, 8, 1), status=Status.REPLIED, outcome=Outcome.GRANTED,
                 concluded_on=date(2025, 9, 15))  # due 08-29: late
    make_request(dept, "B3", date(2025, 9, 10))  # open, due 10-14
    make_request(tree["town"], "B4", date(2025, 8, 20))  # open, due 09-17: overdue

    assert bulletin.monthly_bulletin(date(2025, 10, 8)).created == []  # 10-01..10-08 off
    report = bulletin.monthly_bulletin(date(2025, 10, 9))
    sheet = MonthlyBulletin.objects.get()
    assert sheet.month == date(2025, 9, 1) and sheet.compiled_on == date(2025, 10, 9)
    rows = {r["unit"]: r for r in sheet.rows}
    assert (rows["金东区发展和改革局"]["new"], rows["金东区发展和改革局"]["concluded"],
            rows["金东区发展和改革局"]["on_time"], rows["金东区发展和改革局"]["on_time_rate"]) == (2, 2, 1, 0.5)
    assert [o["ref"] for o in rows["多湖街道"]["overdue"]] == ["B4"]
    assert rows["金东区发展和改革局"]["overdue"] == []  # B3 is due 10-14, not overdue on 10-09

    recipients = {p.recipient_id for p in report.created}
    assert recipients == {people["supervisor"].pk, people["head"].pk, people["admin"].pk}
    assert bulletin.monthly_bulletin(date(2025, 10, 10)).created == []  # once a month

    delivery.deliver_now(delivery.waiting_alert_ids())
    (message,) = mail.outbox
    assert message.subject == "【月月通报】2025年09月政府信息公开申请办理情况"
    assert "【金东区发展和改革局】新收2件，办结2件，按期办结率50.0%，当前超期0件" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "gongkai-bulletin-2025-09.xlsx" and mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(content)).active
    table = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert table[0] == bulletin.HEADERS
    dept_row = next(r for r in table if r[0] == "金东区发展和改革局")
    assert dept_row[1:6] == [2, 2, 1, 0.5, 0]
    assert "婺城区人民政府" not in [r[0] for r in table]  # the root supervisor sees the Jindong subtree
    assert [r[0] for r in table[1:]] == ["金东区人民政府", "多湖街道", "金东区发展和改革局"]


@pytest.mark.django_db
def test_bulletin_attachment_shows_each_recipient_only_the_units_they_may_see(tree, people):
    people["head"].email = "head@example.gov.cn"
    people["head"].save()
    bulletin.monthly_bulletin(date(2025, 10, 9))
    delivery.deliver_now(delivery.waiting_alert_ids())
    (message,) = mail.outbox
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(message.attachments[0][1])).active
    units = [row[0].value for row in ws.iter_rows(min_row=3)]
    assert units == ["金东区发展和改革局"]


@pytest.mark.django_db
def test_calendar_alert_goes_to_admins_daily_from_november_until_next_year_is_loaded(tree, people):
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert services.check_calendar_coverage(date(2026, 10, 31)).created == []
    first = services.check_calendar_coverage(date(2026, 11, 1)).created
    assert {p.recipient_id for p in first} == {people["admin"].pk, root.pk}
    assert first[0].subject == "【请载入放假安排】2027年节假日安排尚未载入"
    assert services.check_calendar_coverage(date(2026, 11, 1)).created == []  # once a day
    assert len(services.check_calendar_coverage(date(2026, 11, 2)).created) == 2  # and every day

    load_from_csv("date,is_workday,note\n2027-01-01,0,元旦\n")
    assert services.check_calendar_coverage(date(2026, 11, 3)).created == []
    assert services.check_calendar_coverage(date(2025, 11, 3)).created == []  # 2026 shipped with the package
