"""The request list for daily work: 未办结 by default, 经办人 and 我经办的, one date format, the bulk
assignment (one event each, refusals per request) and the export of the selection."""

import io
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from disclosure import services
from disclosure.models import DisclosureRequest, RequestEvent
from security.models import AuditEntry

from .. import factories

CHANGELIST = reverse("admin:disclosure_disclosurerequest_changelist")


def today():
    return timezone.localdate()


def register(unit, actor, *, name="张三", days_ago=7):
    """factories.register, unit first as this module calls it."""
    return factories.register(actor, unit, applicant_name=name, applicant_id_number="330101199003151234", days_ago=days_ago,
                              today=today())


def table(response):
    return response.content.decode().partition('id="result_list"')[2].partition("</table>")[0]


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def cases(tree, people):
    live = register(tree["dept"], people["clerk"], name="在办")
    done = register(tree["dept"], people["clerk"], name="已归档")
    DisclosureRequest.objects.filter(pk=done.pk).update(status="archived")  # a read-side fixture
    return {"live": live, "done": done}


def test_the_list_opens_on_open_requests_with_all_one_click_away(client, people, cases):
    client.force_login(people["clerk"])
    default = client.get(CHANGELIST)
    assert cases["live"].ref in table(default) and cases["done"].ref not in table(default)
    body = default.content.decode()
    assert "未办结" in body and "?state=all" in body
    everything = table(client.get(CHANGELIST, {"state": "all"}))
    assert cases["live"].ref in everything and cases["done"].ref in everything
    concluded = table(client.get(CHANGELIST, {"state": "concluded"}))
    assert cases["done"].ref in concluded and cases["live"].ref not in concluded


def test_a_chosen_status_or_a_search_is_not_narrowed_to_open_requests(client, people, cases):
    client.force_login(people["clerk"])
    assert cases["done"].ref in table(client.get(CHANGELIST, {"status": "archived"}))
    assert cases["done"].ref in table(client.get(CHANGELIST, {"q": cases["done"].ref}))


def test_the_handler_column_and_my_requests_filter(client, tree, people, cases):
    mine = register(tree["dept"], people["clerk"], name="我的")
    services.assign_handler(mine, actor=people["reviewer"], handler=people["clerk"])
    client.force_login(people["clerk"])
    rows = table(client.get(CHANGELIST)).split("<tr")
    assert f'<td class="field-handler">{people["clerk"]}</td>' in next(r for r in rows if mine.ref in r)
    assert '<td class="field-handler">—</td>' in next(r for r in rows if cases["live"].ref in r)
    only_mine = table(client.get(CHANGELIST, {"mine": "1"}))
    assert mine.ref in only_mine and cases["live"].ref not in only_mine
    unassigned = table(client.get(CHANGELIST, {"mine": "none"}))
    assert cases["live"].ref in unassigned and mine.ref not in unassigned


def test_dates_are_iso_on_the_list_and_the_page_in_both_languages(client, people, cases):
    client.force_login(people["clerk"])
    received = cases["live"].received_on.isoformat()
    cell = re.compile(r'<td class="field-received_on[^"]*">([^<]*)</td>')
    assert cell.findall(table(client.get(CHANGELIST))) == [received]
    english = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")
    assert cell.findall(table(english)) == [received]
    page = client.get(reverse("admin:disclosure_disclosurerequest_change", args=[cases["live"].pk]))
    assert received in page.content.decode() and "年" not in page.content.decode().partition('id="gk-deadline"')[2][:2000]


def post_action(client, action, requests, query="", **extra):
    return client.post(
        CHANGELIST + query, {"action": action, "index": "0", ACTION_CHECKBOX_NAME: [r.pk for r in requests], **extra}
    )


def test_bulk_assignment_asks_for_a_handler_labelled_with_role_and_offers_only_handlers(client, people, cases):
    client.force_login(people["reviewer"])
    page = post_action(client, "assign_selected", [cases["live"]])
    assert page.status_code == 200
    body = page.content.decode()
    assert f"{people['clerk']}（经办人）" in body and f"{people['head']}（工作机构负责人）" in body
    options = body.partition('name="handler"')[2].partition("</select>")[0]
    assert f'value="{people["legal"].pk}"' not in options  # the legal reviewer reviews the reply; not a handler
    assert f'value="{people["town_clerk"].pk}"' not in options  # other units' staff
    assert f'value="{people["other_clerk"].pk}"' not in options


def test_bulk_assignment_assigns_each_through_the_service_and_reports_refusals_per_request(
    client, tree, people, cases
):
    second = register(tree["dept"], people["clerk"], name="第二件")
    client.force_login(people["reviewer"])
    before = RequestEvent.objects.filter(action="assign").count()
    response = post_action(
        client, "assign_selected", [cases["live"], second, cases["done"]], "?state=all",
        apply="1", handler=people["clerk"].pk,
    )
    assert response.status_code == 302
    assert RequestEvent.objects.filter(action="assign").count() == before + 2
    assert set(DisclosureRequest.objects.filter(handler=people["clerk"]).values_list("pk", flat=True)) == {
        cases["live"].pk, second.pk,
    }
    texts = messages_of(response)
    assert any("2 件" in t and cases["live"].ref in t and second.ref in t for t in texts)
    assert any(t.startswith(cases["done"].ref) and "未指定" in t for t in texts)


def test_a_clerk_is_not_offered_the_bulk_assignment(client, people, cases):
    client.force_login(people["clerk"])
    body = client.get(CHANGELIST).content.decode()
    assert 'value="assign_selected"' not in body and 'value="export_selected"' in body
    response = post_action(client, "assign_selected", [cases["live"]], apply="1", handler=people["clerk"].pk)
    assert not RequestEvent.objects.filter(action="assign").exists()
    assert response.status_code in (200, 302)


def test_a_handler_of_another_unit_is_refused_in_the_form(client, people, cases):
    client.force_login(people["reviewer"])
    response = post_action(
        client, "assign_selected", [cases["live"]], apply="1", handler=people["other_clerk"].pk
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not RequestEvent.objects.filter(action="assign").exists()


def test_exporting_the_selection_gives_those_rows_in_the_ledger_format_and_is_audited(client, tree, people, cases):
    other = register(tree["dept"], people["clerk"], name="不选")
    foreign = register(tree["other"], people["other_clerk"], name="外单位")
    client.force_login(people["clerk"])
    response = post_action(client, "export_selected", [cases["live"], cases["done"], foreign], "?state=all")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('selected.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    refs = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    header = [c.value for c in sheet[1]]
    refs = {row[header.index("申请编号")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert refs == {cases["live"].ref, cases["done"].ref}  # not the unselected, never another unit's
    assert other.ref not in refs and foreign.ref not in refs
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert entry.detail["rows"] == 2


@pytest.mark.parametrize("query", ["", "?state=all", "?mine=1", "?mine=none&state=concluded"])
def test_the_list_query_count_does_not_grow_with_rows(client, tree, people, django_assert_max_num_queries, query):
    client.force_login(people["clerk"])

    def add(n):
        for i in range(n):
            req = register(tree["dept"], people["clerk"], name=f"申请人{i}")
            services.assign_handler(req, actor=people["reviewer"], handler=people["clerk"])
            if i % 3 == 0:
                DisclosureRequest.objects.filter(pk=req.pk).update(status="archived")

    add(3)
    client.get(CHANGELIST + query)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST + query).status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(CHANGELIST + query).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)
    with django_assert_max_num_queries(16):  # 16: the 网上申请 filter counts both of its groups in one query
        client.get(CHANGELIST + query)


# --- the request page in one screen, the printable summary ------------------------------------------


def change_url(req):
    return reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])


def summary_url(req):
    return reverse("admin:disclosure_disclosurerequest_summary", args=[req.pk])


def test_the_request_page_puts_actions_facts_and_deadline_first_and_folds_the_rest(client, people, cases):
    client.force_login(people["clerk"])
    body = client.get(change_url(cases["live"])).content.decode()
    order = [body.index(marker) for marker in (
        'id="gk-action-panel"', 'id="gk-facts"', 'id="gk-deadline"', 'id="gk-letters-section"',
        'id="gk-registration-section"', 'id="gk-timeline-section"', 'id="gk-attachments-section"',
    )]
    assert order == sorted(order)
    assert '<details class="gk-section" id="gk-timeline-section">' in body  # folded
    assert '<details class="gk-section" id="gk-registration-section">' in body
    assert "330***********1234" in body.partition('id="gk-facts"')[2].partition("</dl>")[0]
    assert summary_url(cases["live"]) in body


def test_a_refused_edit_opens_the_registration_section(client, people, cases):
    client.force_login(people["clerk"])
    req = cases["live"]
    response = client.post(change_url(req), {"applicant_name": "", "seen_version": req.version, "_save": "1"})
    assert response.status_code == 200
    assert '<details class="gk-section" id="gk-registration-section" open>' in response.content.decode()


def test_the_summary_has_facts_timeline_and_sign_offs_with_ids_masked(client, tree, people):
    req = register(tree["dept"], people["clerk"], name="欧阳修")
    services.start_review(req, actor=people["reviewer"])
    services.accept(req, actor=people["reviewer"])
    client.force_login(people["clerk"])
    response = client.get(summary_url(req))
    assert response.status_code == 200
    body = response.content.decode()
    assert "政府信息公开申请办理单" in body and req.ref in body and "欧阳修" in body
    assert "330101199003151234" not in body and "330***********1234" in body
    assert body.count('class="gk-event"') == 3
    sign_offs = body.partition('id="gk-summary-signoffs"')[2].partition("</table>")[0]
    assert f"{people['reviewer']}（审核通过，进入办理" in sign_offs
    assert sign_offs.count("（尚未进行）") == 3  # 法制审核, 延期, 签发
    assert "@media print" in body


def test_the_summary_of_another_units_request_is_not_found(client, tree, people, cases):
    client.force_login(people["other_clerk"])
    assert client.get(summary_url(cases["live"])).status_code == 404
    client.force_login(people["supervisor"])  # the district's supervisor sees the subtree, read-only
    assert client.get(summary_url(cases["live"])).status_code == 200


def test_the_summary_query_count_does_not_grow_with_events(client, tree, people, django_assert_max_num_queries):
    req = register(tree["dept"], people["clerk"])
    services.assign_handler(req, actor=people["reviewer"], handler=people["clerk"])
    client.force_login(people["clerk"])
    client.get(summary_url(req))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(summary_url(req))
    for handler in ("reviewer", "head", "clerk"):
        req.refresh_from_db()
        services.assign_handler(req, actor=people["reviewer"], handler=people[handler])
    with CaptureQueriesContext(connection) as many:
        client.get(summary_url(req))
    assert len(few.captured_queries) == len(many.captured_queries)
    # session, user, roles, the request, its events, calendar (2), consultations, fee notices, unit,
    # handler, the session's save
    with django_assert_max_num_queries(14):
        client.get(summary_url(req))


@pytest.mark.parametrize("query", ["?id__in={done}", "?overdue=no", "?year={year}"])
def test_a_link_that_names_its_requests_is_not_narrowed_to_open_ones(client, people, cases, query):
    client.force_login(people["clerk"])
    url = CHANGELIST + query.format(done=cases["done"].pk, year=cases["done"].received_on.year)
    assert cases["done"].ref in table(client.get(url))


def test_the_plain_list_sorted_paged_or_mine_stays_on_open_requests(client, people, cases):
    client.force_login(people["clerk"])
    for query in ("?o=1", "?p=1", "?o=-5&mine=none"):
        assert cases["done"].ref not in table(client.get(CHANGELIST + query)), query
