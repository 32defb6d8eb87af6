"""One's own in-app notifications through the API: newest first, cursor pages, unread filter, mark read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification

URL = "/api/v1/notifications/"


@pytest.fixture
def inbox(people):
    mine = [Notification.objects.create(user=people["clerk"], message=f"提醒{i}", link=f"/admin/r/{i}/") for i in range(5)]
    Notification.objects.filter(pk__in=[mine[0].pk, mine[1].pk]).update(read_at="2026-11-20T08:00:00Z")
    theirs = Notification.objects.create(user=people["other_clerk"], message="别人的提醒")
    return {"mine": mine, "theirs": theirs}


def test_the_list_is_one_s_own_newest_first_in_cursor_pages(people, inbox, as_user):
    client = as_user(people["clerk"])
    first = client.get(URL, {"page_size": 3}).json()
    assert [n["message"] for n in first["results"]] == ["提醒4", "提醒3", "提醒2"]
    second = client.get(first["next"]).json()
    assert [n["message"] for n in second["results"]] == ["提醒1", "提醒0"] and second["next"] is None


@pytest.mark.parametrize(("unread", "expected"), [("true", ["提醒4", "提醒3", "提醒2"]), ("false", ["提醒1", "提醒0"])])
def test_the_unread_filter(unread, expected, people, inbox, as_user):
    rows = as_user(people["clerk"]).get(URL, {"unread": unread}).json()["results"]
    assert [n["message"] for n in rows] == expected


@pytest.mark.parametrize("query", [{"cursor": "nonsense"}, {"page_size": "0"}, {"unread": "maybe"}, {"unread": ""}])
def test_bad_list_queries_are_400(query, people, as_user):
    response = as_user(people["clerk"]).get(URL, query)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(query)


def test_marking_one_read_counts_down_and_is_idempotent(people, inbox, as_user):
    client = as_user(people["clerk"])
    assert client.get(URL + "unread-count/").json() == {"unread": 3}
    target = inbox["mine"][4]
    first = client.post(f"{URL}{target.pk}/read/")
    assert first.status_code == 200 and first.json()["read_at"] is not None
    again = client.post(f"{URL}{target.pk}/read/")
    assert again.json()["read_at"] == first.json()["read_at"]  # read once, the time kept
    assert client.get(URL + "unread-count/").json() == {"unread": 2}


def test_read_all_marks_only_one_s_own(people, inbox, as_user):
    response = as_user(people["clerk"]).post(URL + "read-all/")
    assert response.json() == {"marked": 3}
    assert not Notification.objects.filter(user=people["clerk"], read_at__isnull=True).exists()
    inbox["theirs"].refresh_from_db()
    assert inbox["theirs"].read_at is None


def test_another_user_s_notification_is_404_and_stays_unread(people, inbox, as_user):
    response = as_user(people["clerk"]).post(f"{URL}{inbox['theirs'].pk}/read/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    inbox["theirs"].refresh_from_db()
    assert inbox["theirs"].read_at is None


def test_the_list_costs_the_same_queries_for_1_and_50_notifications(people, as_user):
    client = as_user(people["clerk"])
    client.get(URL)  # the token's first use is recorded once; count the calls after it
    counts = []
    for total in (1, 50):
        Notification.objects.bulk_create(
            Notification(user=people["clerk"], message="提醒") for _ in range(total - Notification.objects.count())
        )
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(URL).json()["results"]) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
