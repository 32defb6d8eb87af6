"""The home page and the board through the admin: who sees what, query counts flat in N, links."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from disclosure import deadlines as dl
from disclosure.models import Consultation, DisclosureRequest
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Outcome, Status
from tests.factories import RequestFactory

pytestmark = pytest.mark.django_db

HOME, BOARD = "/admin/", "/admin/board/"


def fill(tree, people, n: int):
    """n requests in every group of the clerk's, the legal reviewer's and the head's home page."""
    today, cal = timezone.localdate(), load_work_calendar()
    dept, clerk = tree["dept"], people["clerk"]
    soon = dl.add_workdays(today, 2, cal)
    for _ in range(n):
        RequestFactory(unit=dept, status=Status.HANDLING, due_on=today - timedelta(days=4), handler=clerk)
        RequestFactory(unit=dept, status=Status.HANDLING, due_on=soon, handler=clerk)
        RequestFactory(unit=dept, status=Status.REGISTERED, due_on=dl.add_workdays(today, 19, cal))
        RequestFactory(unit=dept, status=Status.LEGAL_REVIEW, due_on=soon, handler=clerk)
        RequestFactory(unit=dept, status=Status.SIGN_OFF, due_on=soon, handler=clerk)
        RequestFactory(unit=dept, status=Status.AWAITING_CORRECTION, handler=clerk, correction_period_until=today)
        c = RequestFactory(unit=dept, status=Status.CONSULTING, due_on=soon, handler=clerk)
        Consultation.objects.create(request=c, kind="agency", party="区财政局", sent_on=today - timedelta(days=22),
                                    due_on=today - timedelta(days=1))
        RequestFactory(unit=tree["town"], status=Status.HANDLING, due_on=today - timedelta(days=4))
        RequestFactory(unit=dept, status=Status.REPLIED, due_on=today - timedelta(days=30), outcome=Outcome.GRANTED,
                       concluded_on=today - timedelta(days=2), clock_start_on=today - timedelta(days=40))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who,url", [("clerk", HOME), ("head", HOME), ("legal", HOME), ("supervisor", HOME),
                                     ("supervisor", BOARD), ("head", BOARD), ("admin", BOARD)])
def test_query_count_does_not_grow_with_the_number_of_requests(client, tree, people, who, url,
                                                               django_assert_max_num_queries):
    client.force_login(people[who])
    fill(tree, people, 2)
    small = queries(client, url)
    fill(tree, people, 20)  # 22 in each group: more than a page of rows
    large = queries(client, url)
    fill(tree, people, 40)
    assert queries(client, url) == large == small
    with django_assert_max_num_queries(24):
        client.get(url)


def test_each_group_shows_its_most_urgent_page_and_says_how_many_more(client, tree, people):
    fill(tree, people, 20)
    client.force_login(people["clerk"])
    groups = {g.spec.code: g for g in client.get(HOME).context["groups"]}
    overdue = groups["overdue"]
    assert overdue.count == 20 and len(overdue.rows) == 15 and overdue.more == 5
    assert all(len(g.rows) == min(g.count, 15) for g in groups.values())
    assert [r.request.pk for r in groups["due_soon"].rows] == sorted(r.request.pk for r in groups["due_soon"].rows)
    assert "另有5件" in client.get(HOME).content.decode()


def test_the_home_page_lists_each_group_with_counts_and_one_action_per_row(client, tree, people):
    fill(tree, people, 1)
    client.force_login(people["clerk"])
    page = client.get(HOME).content.decode()
    assert 'id="ws-count-overdue" data-count="1"' in page
    assert 'id="ws-count-correction" data-count="1"' in page and 'id="ws-count-consultation" data-count="1"' in page
    # the clerk's rows link to their step's form in the admin
    correction = DisclosureRequest.objects.get(status=Status.AWAITING_CORRECTION)
    assert reverse("admin:disclosure_disclosurerequest_action", args=[correction.pk, "record_correction"]) in page
    # the search box goes to the request list's search, and the admin's app list is still there
    assert f'action="{reverse("admin:disclosure_disclosurerequest_changelist")}"' in page and 'name="q"' in page
    assert 'href="/admin/disclosure/disclosurerequest/"' in page and "全部功能" in page
    assert 'id="ws-board-link"' not in page  # a clerk has no board
    town = DisclosureRequest.objects.filter(unit=tree["town"]).get()
    assert f'data-request="{town.pk}"' not in page


def test_only_supervisors_heads_and_admins_open_the_board(client, tree, people):
    for who, status in (("clerk", 403), ("reviewer", 403), ("legal", 403), ("head", 200), ("supervisor", 200),
                        ("admin", 200)):
        client.force_login(people[who])
        assert client.get(BOARD).status_code == status, who
    client.logout()
    assert client.get(BOARD).status_code == 302  # to the login page


def test_the_supervisors_board_hides_other_districts_and_links_to_exactly_its_requests(client, tree, people):
    fill(tree, people, 2)
    RequestFactory(unit=tree["other"], status=Status.HANDLING, due_on=timezone.localdate() - timedelta(days=9))
    client.force_login(people["supervisor"])
    page = client.get(BOARD).content.decode()
    assert tree["other"].name not in page and tree["town"].name in page
    links = re.findall(r'<a href="([^"]+)" data-figure="(\w+)"', page)
    assert links
    today = timezone.localdate()
    from workspace.selectors import figure_q

    for href, code in links:
        href = href.replace("&amp;", "&")
        listing = client.get(href)
        assert listing.status_code == 200, href
        shown = {r.pk for r in listing.context["cl"].queryset}
        unit = re.search(r"unit=(\d+)", href)
        expected = DisclosureRequest.objects.filter(figure_q(code, today), unit__path__startswith="/jindong/")
        if unit:
            expected = expected.filter(unit_id=int(unit.group(1)))
        assert shown == set(expected.values_list("pk", flat=True)), href


def test_the_board_sorts_by_a_column_and_bad_sort_keys_fall_back(client, tree, people):
    fill(tree, people, 1)
    client.force_login(people["supervisor"])
    page = client.get(BOARD + "?o=name&d=asc").content.decode()
    assert page.index(tree["root"].name) < page.index(tree["town"].name) < page.index(tree["dept"].name)
    for query in ("?o=drop+table&d=up", "?o=&d=", "?o=avg_used&d=asc", "?o=late_year"):
        assert client.get(BOARD + query).status_code == 200


def test_the_list_filter_ignores_unknown_figures_and_both_pages_render_in_english(client, tree, people, settings):
    fill(tree, people, 1)
    client.force_login(people["supervisor"])
    listing = reverse("admin:disclosure_disclosurerequest_changelist")
    everything = client.get(listing, {"state": "all"}).context["cl"].result_count  # the plain list opens on 未办结
    for value in ("nonsense", "", "overdue%27--", "late_year"):
        response = client.get(listing, {"board": value})
        assert response.status_code == 200
    assert client.get(listing, {"board": "nonsense"}).context["cl"].result_count == everything
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get(HOME).status_code == 200 and client.get(BOARD).status_code == 200
