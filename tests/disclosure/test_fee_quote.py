"""The same applicant across requests (blind index), the 109号 quote over real rows: the ordinal query,
the fee_quote command and API, fee notices checked against the quote, the duplicates panel."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from disclosure import applicants, blindindex, services
from disclosure.idnumbers import resident_id_check
from disclosure.ledger import import_ledger
from disclosure.models import DisclosureRequest, RequestEvent
from tests import factories
from tests.steps import accept_as_colleague, office_reply

D = date.fromisoformat
TODAY = D("2026-11-26")


def id_number(n: int) -> str:
    body = f"33010119800101{n:03d}"
    return body + resident_id_check(body)


ALICE, BOB = id_number(1), id_number(2)


def register(clerk, unit, received: date, *, number=ALICE, content="道路改造项目的立项批复", **over):
    """factories.register with the receipt date and the applicant's number as this module passes them."""
    return factories.register(clerk, unit, **{"submitted_on": received, "applicant_id_number": number,
                                              "content": content, "provision_form": "paper", "today": TODAY, **over})


def stored_hash(req) -> str:
    return DisclosureRequest.objects.values_list("applicant_id_hash", flat=True).get(pk=req.pk)


# --- the blind index ---------------------------------------------------------------------------


def test_the_hash_is_keyed_normalised_and_empty_for_no_number(settings):
    h = blindindex.applicant_id_hash(ALICE)
    assert len(h) == blindindex.HASH_LENGTH and ALICE not in h
    assert blindindex.applicant_id_hash(f"  {ALICE[:-1]}{ALICE[-1].lower()} ") == blindindex.applicant_id_hash(ALICE.upper())
    assert blindindex.applicant_id_hash("e1234567") == blindindex.applicant_id_hash(" E1234567 ")
    assert blindindex.applicant_id_hash("") == blindindex.applicant_id_hash(None) == ""
    settings.GONGKAI_BLIND_INDEX_KEY = "another key"
    assert blindindex.applicant_id_hash(ALICE) != h


def test_registration_and_edit_keep_the_index_in_step(tree, people):
    req = register(people["clerk"], tree["dept"], D("2026-03-02"))
    assert stored_hash(req) == blindindex.applicant_id_hash(ALICE)
    services.update_registration(req, actor=people["clerk"], applicant_id_number=BOB)
    assert stored_hash(req) == blindindex.applicant_id_hash(BOB)
    services.update_registration(DisclosureRequest.objects.get(pk=req.pk), actor=people["clerk"], applicant_id_number="")
    assert stored_hash(req) == ""
    event = RequestEvent.objects.filter(request=req, action="edit").last()
    assert event.data == {"fields": ["applicant_id_number"]}  # the hash is no field the clerk changed
    none = register(people["clerk"], tree["dept"], D("2026-03-02"), number="")
    assert stored_hash(none) == ""


LEDGER_KEYS = ("ref", "unit", "channel", "submitted_on", "received_on", "applicant_type", "applicant_name",
               "applicant_id_number", "content")


def ledger(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_KEYS)
    for ref, unit, received, number in rows:
        writer.writerow([ref, unit, "in_person", received, received, "natural_person", "张三", number, "某项目的批复文件"])
    return out.getvalue().encode("utf-8")


def test_the_ledger_import_writes_the_index_and_updates_it(tree):
    import_ledger(ledger([("L-1", "jd-fgj", "2026-01-05", ALICE.lower()), ("L-2", "jd-fgj", "2026-01-06", "")]))
    one, two = DisclosureRequest.objects.get(ref="L-1"), DisclosureRequest.objects.get(ref="L-2")
    assert one.applicant_id_hash == blindindex.applicant_id_hash(ALICE) and two.applicant_id_hash == ""
    import_ledger(ledger([("L-1", "jd-fgj", "2026-01-05", BOB), ("L-2", "jd-fgj", "2026-01-06", ALICE)]))
    assert stored_hash(one) == blindindex.applicant_id_hash(BOB) and stored_hash(two) == blindindex.applicant_id_hash(ALICE)


def test_rebuild_after_a_key_change_and_reencrypt_fields(tree, people, settings):
    reqs = [register(people["clerk"], tree["dept"], D("2026-03-02"), number=n) for n in (ALICE, BOB, "")]
    settings.GONGKAI_BLIND_INDEX_KEY = "rotated"
    assert [stored_hash(r) for r in reqs][:2] != [blindindex.applicant_id_hash(n) for n in (ALICE, BOB)]
    out = io.StringIO()
    call_command("rebuild_blind_index", stdout=out)
    assert "2" in out.getvalue()
    assert [stored_hash(r) for r in reqs] == [blindindex.applicant_id_hash(n) for n in (ALICE, BOB, "")]
    # a row whose hash is missing (written before the index) is filled by reencrypt_fields too
    DisclosureRequest.objects.filter(pk=reqs[0].pk).update(applicant_id_hash="")
    call_command("reencrypt_fields", stdout=io.StringIO())
    assert stored_hash(reqs[0]) == blindindex.applicant_id_hash(ALICE)


def test_the_migration_fills_existing_rows(tree, people):
    from importlib import import_module

    from django.apps import apps

    reqs = [register(people["clerk"], tree["dept"], D("2026-03-02"), number=n) for n in (ALICE, "")]
    DisclosureRequest.objects.update(applicant_id_hash="")
    import_module("disclosure.migrations.0013_fees_blind_index").fill_blind_index(apps, None)
    assert [stored_hash(r) for r in reqs] == [blindindex.applicant_id_hash(ALICE), ""]


# --- the ordinal --------------------------------------------------------------------------------


def test_the_ordinal_counts_the_applicant_in_the_unit_and_the_month(tree, people, django_assert_num_queries):
    clerk, dept = people["clerk"], tree["dept"]
    last_of_jan = register(clerk, dept, D("2026-01-30"))
    later = [register(clerk, dept, D("2026-02-03")) for _ in range(3)]
    earlier_same_day = later[0]
    first = register(clerk, dept, D("2026-02-02"))  # registered last, received first
    register(clerk, dept, D("2026-02-02"), number=BOB)  # someone else
    register(people["town_clerk"], tree["town"], D("2026-02-02"))  # another unit
    register(clerk, dept, D("2026-03-02"))  # next month
    with django_assert_num_queries(1):
        assert applicants.applicant_ordinal(first) == 1
    assert [applicants.applicant_ordinal(r) for r in later] == [2, 3, 4]
    assert applicants.applicant_ordinal(earlier_same_day) == 2
    assert applicants.applicant_ordinal(last_of_jan) == 1
    assert applicants.month_count(first) == 4
    lower = register(clerk, dept, D("2026-02-04"), number=ALICE[:-1] + ALICE[-1].lower())
    assert applicants.applicant_ordinal(lower) == 5


def test_a_request_without_an_id_number_counts_by_itself(tree, people):
    reqs = [register(people["clerk"], tree["dept"], D("2026-02-02"), number="") for _ in range(12)]
    assert {applicants.applicant_ordinal(r) for r in reqs} == {1}
    quote = applicants.fee_quote(reqs[-1])
    assert quote.amount == 0 and "单独计件" in quote.basis


def test_the_month_boundary_and_the_year_boundary(tree, people):
    clerk, dept = people["clerk"], tree["dept"]
    dec = [register(clerk, dept, D("2025-12-31")) for _ in range(11)]
    jan = register(clerk, dept, D("2026-01-01"))
    assert applicants.applicant_ordinal(dec[-1]) == 11 and applicants.fee_quote(dec[-1]).amount == 100
    assert applicants.applicant_ordinal(jan) == 1 and applicants.fee_quote(jan).amount == 0


# --- the command and the API --------------------------------------------------------------------


def run_quote(unit, ref, *extra) -> dict:
    out = io.StringIO()
    call_command("fee_quote", "--unit", unit, "--ref", ref, *extra, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def test_fee_quote_command(tree, people):
    reqs = [register(people["clerk"], tree["dept"], D("2026-02-02")) for _ in range(35)]
    got = run_quote("jd-fgj", reqs[-1].ref)
    assert got["method"] == "per_item" and got["ordinal"] == 35 and got["amount"] == 200 and "basis" in got
    assert run_quote("JD-FGJ", reqs[0].ref, "--pages", "250") == {**run_quote("jd-fgj", reqs[0].ref, "--pages", "250")}
    page = run_quote("jd-fgj", reqs[0].ref, "--pages", "250")
    assert page["method"] == "per_page" and page["pages"] == 250 and page["amount"] == 4700 and "ordinal" not in page
    for args, message in [
        (("--unit", "nowhere", "--ref", reqs[0].ref), "nowhere"),
        (("--unit", "jd-fgj", "--ref", "NO-SUCH"), "NO-SUCH"),
        (("--unit", "jd-fgj", "--ref", reqs[0].ref, "--pages", "-3"), "负数"),
        (("--unit", "jd-fgj", "--ref", reqs[0].ref, "--pages", "lots"), "整数"),
        (("--unit", "jd-fgj", "--ref", reqs[0].ref, "--pages", "5", "--method", "per_item"), "同时"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("fee_quote", *args, stdout=io.StringIO())


def test_a_request_before_2021_is_quoted_free_with_a_message(tree, people):
    old = register(people["clerk"], tree["dept"], D("2020-12-30"))
    err = io.StringIO()
    out = io.StringIO()
    call_command("fee_quote", "--unit", "jd-fgj", "--ref", old.ref, "--pages", "250", stdout=out, stderr=err)
    assert json.loads(out.getvalue())["amount"] == 0 and "2021年1月1日" in err.getvalue()
    accept_as_colleague(old, people["clerk"])  # 岗位分离
    with pytest.raises(services.write.WorkflowError, match="2021年1月1日"):
        services.issue_fee_notice(DisclosureRequest.objects.get(pk=old.pk), actor=people["clerk"],
                                  notice_on=D("2026-11-20"), amount="100", amount_reason="x", today=TODAY)


def test_the_api_quote(tree, people, as_user):
    reqs = [register(people["clerk"], tree["dept"], D("2026-02-02")) for _ in range(11)]
    api = as_user(people["clerk"])
    url = f"/api/v1/requests/{reqs[-1].pk}/fee-quote/"
    r = api.get(url)
    assert r.status_code == 200, r.content
    assert r.json() == run_quote("jd-fgj", reqs[-1].ref)
    assert r.json()["ordinal"] == 11 and r.json()["amount"] == 100
    assert api.get(url, {"pages": "101"}).json()["amount"] == 720
    for params, field in [({"pages": "-1"}, "pages"), ({"pages": "10000000"}, "pages"), ({"pages": "x"}, "pages"),
                          ({"pages": "5", "method": "per_item"}, "pages"), ({"method": "bulk"}, "method")]:
        bad = api.get(url, params)
        assert bad.status_code == 400, (params, bad.content)
        assert field in bad.json()["error"]["fields"]
    assert as_user(people["other_clerk"]).get(url).status_code == 404  # another unit's request


def test_a_fee_notice_takes_the_quote_and_a_different_amount_needs_a_reason(tree, people, as_user):
    clerk = people["clerk"]
    reqs = [register(clerk, tree["dept"], D("2026-02-02")) for _ in range(31)]
    req = reqs[-1]
    accept_as_colleague(req, clerk)  # 岗位分离
    api = as_user(clerk)
    url = f"/api/v1/requests/{req.pk}/fee-notices/"
    r = api.post(url, {"notice_on": "2026-02-10"}, format="json")
    assert r.status_code == 201, r.content
    assert Decimal(r.json()["amount"]) == 200 and r.json()["method"] == "per_item" and r.json()["ordinal"] == 31
    event = RequestEvent.objects.filter(request=req, action="issue_fee_notice").last()
    assert event.data["quoted_amount"] == 200 and "amount_reason" not in event.data
    refused = api.post(url, {"notice_on": "2026-02-10", "amount": "150.00"}, format="json")
    assert refused.status_code == 400 and "amount_reason" in refused.json()["error"]["fields"]
    both = api.post(url, {"notice_on": "2026-02-10", "pages": 40, "method": "per_item"}, format="json")
    assert both.status_code == 400 and "pages" in both.json()["error"]["fields"]
    ok = api.post(url, {"notice_on": "2026-02-10", "amount": "150.00", "amount_reason": "申请人经济困难，予以减收"},
                  format="json")
    assert ok.status_code == 201, ok.content
    event = RequestEvent.objects.filter(request=req, action="issue_fee_notice").last()
    assert event.data["amount"] == "150.00" and event.data["amount_reason"] == "申请人经济困难，予以减收"
    pages = api.post(url, {"notice_on": "2026-02-10", "pages": 250}, format="json")
    assert pages.status_code == 201 and Decimal(pages.json()["amount"]) == 4700 and pages.json()["pages"] == 250


def test_nothing_to_charge_is_refused_clearly(tree, people, as_user):
    req = register(people["clerk"], tree["dept"], D("2026-02-02"))
    accept_as_colleague(req, people["clerk"])  # 岗位分离
    r = as_user(people["clerk"]).post(f"/api/v1/requests/{req.pk}/fee-notices/", {"notice_on": "2026-02-10"},
                                      format="json")
    assert r.status_code == 400 and "amount" in r.json()["error"]["fields"]


def test_the_admin_form_is_prefilled_with_the_quote(client, tree, people):
    clerk = people["clerk"]
    reqs = [register(clerk, tree["dept"], D("2026-02-02")) for _ in range(12)]
    req = reqs[-1]
    accept_as_colleague(req, clerk)  # 岗位分离
    client.force_login(clerk)
    url = reverse("admin:disclosure_disclosurerequest_action", args=[req.pk, "issue_fee_notice"])
    page = client.get(url).content.decode()
    assert 'value="100' in page and "第12件" in page
    version = DisclosureRequest.objects.get(pk=req.pk).version
    # the clerk leaves the prefilled amount and basis as they are
    r = client.post(url, {"seen_version": version, "amount": "100", "basis": applicants.fee_quote(req).basis,
                          "notice_on": "2026-02-10", "pages": "", "method": "", "amount_reason": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    fee = req.fee_notices.get()
    assert fee.amount == 100 and fee.ordinal == 12 and "第12件" in fee.basis


# --- a generated ledger, checked against an independent computation ------------------------------


def independent_fee_per_item(k: int) -> int:
    rate, tier_end = 0, 10
    if k > 10:
        rate, tier_end = 100, 30
        while k > tier_end:
            rate, tier_end = rate + 100, tier_end + 10
    return rate


def independent_fee_per_page(p: int) -> int:
    return sum(0 if n <= 30 else 10 if n <= 100 else 20 if n <= 200 else 40 for n in range(1, p + 1))


def test_fee_quote_over_a_generated_ledger(tree):
    rng = random.Random(109)
    people_ids = [id_number(i) for i in range(10, 14)]
    units = ["jd-fgj", "jd-dxz", "wucheng"]
    days = [D("2025-12-01") + timedelta(days=i) for i in range(0, 92)]  # December to February
    rows = []
    for n, number in enumerate(people_ids):
        # the first applicant applies 45 times to the department in January: every tier up to 300 元
        for _ in range(45 if n == 0 else 14):
            rows.append(("jd-fgj", rng.choice([d for d in days if d.month == 1]), number))
        for _ in range(30):
            rows.append((rng.choice(units), rng.choice(days), number if rng.random() > 0.05 else
                         number.lower() if number[-1] == "X" else " " + number))
    rows += [(rng.choice(units), rng.choice(days), "") for _ in range(20)]
    rng.shuffle(rows)  # the file is not in receipt order; the registration order is the file's
    numbered = [(f"G-{i:04d}", unit, day.isoformat(), number) for i, (unit, day, number) in enumerate(rows)]
    import_ledger(ledger(numbered))
    assert DisclosureRequest.objects.count() == len(rows)

    by_key = defaultdict(list)
    for index, (ref, unit, day, number) in enumerate(numbered):
        key = number.strip().upper() or ref
        by_key[(unit, key, day[:7])].append((day, index, ref))
    expected = {}
    for group in by_key.values():
        for k, (_day, _index, ref) in enumerate(sorted(group), start=1):
            expected[ref] = k
    assert max(expected.values()) >= 41
    for ref, unit, _day, _number in numbered:
        got = run_quote(unit, ref)
        assert (got["ordinal"], got["amount"]) == (expected[ref], independent_fee_per_item(expected[ref])), ref
    for pages in (0, 30, 31, 100, 101, 200, 201, 250, 999):
        got = run_quote(numbered[0][1], numbered[0][0], "--pages", str(pages))
        assert got["amount"] == independent_fee_per_page(pages)


# --- the request page: the applicant's month and possible 重复申请 ---------------------------------


def test_the_request_page_shows_earlier_requests_and_flags_similar_ones(client, tree, people, django_assert_max_num_queries):
    clerk = people["clerk"]
    same = register(clerk, tree["dept"], D("2026-01-05"), content="请公开金东区2025年道路改造项目的立项批复文件")
    accept_as_colleague(same, clerk)  # 岗位分离
    office_reply(same, people, outcome="granted", replied_on=D("2026-01-20"), reply_data={}, today=TODAY)
    other = register(clerk, tree["dept"], D("2026-01-06"), content="本单位2024年度部门预算执行情况")
    register(people["other_clerk"], tree["other"], D("2026-01-07"), content="请公开金东区2025年道路改造项目的立项批复文件")
    now = register(clerk, tree["dept"], D("2026-02-02"), content="金东区2025年道路改造项目立项批复文件")
    client.force_login(clerk)
    url = reverse("admin:disclosure_disclosurerequest_change", args=[now.pk])
    page = client.get(url).content.decode()
    assert 'id="gk-applicant-history"' in page
    assert same.ref in page and other.ref in page
    assert "可能重复申请" in page and "gk-duplicate-warning" in page
    assert page.count("gk-earlier gk-similar") == 1
    assert "予以公开" in page or "2026-01-20" in page  # the earlier reply, to answer consistently
    assert "2026年2月向本单位共提出 1 件申请" in page
    # another unit's request of the same applicant is never shown
    assert DisclosureRequest.objects.filter(unit=tree["other"]).get().ref not in page
    nobody = register(clerk, tree["dept"], D("2026-02-02"), number="")
    page = client.get(reverse("admin:disclosure_disclosurerequest_change", args=[nobody.pk])).content.decode()
    assert "gk-applicant-no-id" in page


def test_plain_similarity():
    assert applicants.plain_similarity("道路改造项目立项批复", "道路改造项目的立项批复") > 0.5
    assert applicants.plain_similarity("道路改造项目立项批复", "部门预算执行情况") == 0
    assert applicants.plain_similarity("", "x") == 0


# --- the 收费通知书, payment and table 六 ----------------------------------------------------------


def test_the_fee_notice_letter_states_basis_standard_amount_payment_and_deadline(tree, people):
    from documents.context import context_for

    clerk, dept = people["clerk"], tree["dept"]
    dept.fee_payment = "请转账至金东区财政局非税收入专户（账号 1234），备注申请编号"
    dept.save()
    reqs = [register(clerk, dept, D("2025-03-03")) for _ in range(12)]
    req = reqs[-1]
    accept_as_colleague(req, clerk)  # 岗位分离
    fee = services.issue_fee_notice(DisclosureRequest.objects.get(pk=req.pk), actor=clerk,
                                    notice_on=D("2025-03-10"), today=TODAY)
    body = "\n".join(context_for(DisclosureRequest.objects.get(pk=req.pk), "fee_notice").fields["body"])
    assert "收费依据：" in body and "第四条（按件计收）" in body
    assert "收费标准：" in body and "第12件" in body and "每件100元" in body
    assert "应缴金额：人民币100.00元。" in body
    assert "缴纳方式：请转账至金东区财政局非税收入专户（账号 1234），备注申请编号。" in body
    assert f"自收到本通知书次日起20个工作日内，即{fee.due_on.year}年{fee.due_on.month}月{fee.due_on.day}日前" in body

    from reporting import narrative
    from reporting import services as reports

    services.record_fee_payment(fee, actor=clerk, paid_on=D("2025-03-20"), receipt_number="浙财非税 No.0012345",
                                today=TODAY)
    fee.refresh_from_db()
    assert fee.receipt_number == "浙财非税 No.0012345" and fee.paid_on == D("2025-03-20")
    doc = reports.compile_report(tree["root"], 2025)
    six = narrative.section_texts(doc, narrative.report_context(tree["root"], doc))["6"]
    assert any("信息处理费100.00元（1件）" in p for p in six)


def test_registering_in_the_admin_warns_of_the_applicants_similar_earlier_request(client, tree, people):
    from django.utils import timezone

    from tests.disclosure.test_admin import add_form_data

    clerk = people["clerk"]
    day = timezone.localdate() - timedelta(days=20)
    register(clerk, tree["dept"], day, number="330101199003151234", content="某项目的立项批复文件和环评报告")
    client.force_login(clerk)
    response = client.post(reverse("admin:disclosure_disclosurerequest_add"),
                           add_form_data(tree["dept"], content="某项目的立项批复文件及环评报告"), follow=True)
    page = response.content.decode()
    assert "该申请人此前向本单位提出过 1 件申请，其中 1 件内容相近，可能为重复申请" in page
    new = DisclosureRequest.objects.order_by("-pk").first()
    assert new.applicant_id_hash == blindindex.applicant_id_hash("330101199003151234")
    response = client.post(reverse("admin:disclosure_disclosurerequest_add"),
                           add_form_data(tree["dept"], applicant_id_number="", content="别的事项"), follow=True)
    assert "此前向本单位提出过" not in response.content.decode()


def test_the_timeline_names_the_quote_and_the_reason():
    from disclosure.admin.records import event_data_lines

    lines = dict(event_data_lines({"fee_notice": 3, "amount": "150.00", "method": "per_item", "ordinal": 31,
                                   "quoted_amount": 200, "amount_reason": "减收"}))
    assert lines["计收方式"] == "按件计收" and lines["当月第几件"] == "31"
    assert lines["按标准计算的金额（元）"] == "200" and lines["金额与标准不同的理由"] == "减收"
