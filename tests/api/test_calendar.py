"""The working-day calendar: read by all staff, changed only by system admins, and every change
moves the stored deadlines of open requests."""

from datetime import date

from disclosure.models import CalendarDay

from .builders import registered


def test_staff_read_the_calendar_of_a_year(people, as_user):
    CalendarDay.objects.get_or_create(date=date(2031, 10, 1), defaults={"is_workday": False, "note": "国庆节"})
    CalendarDay.objects.get_or_create(date=date(2032, 1, 1), defaults={"is_workday": False, "note": "元旦"})
    response = as_user(people["other_clerk"]).get("/api/v1/calendar/days/?year=2031")
    assert response.status_code == 200
    assert [d["date"] for d in response.json()] == ["2031-10-01"]
    assert as_user(people["clerk"]).get("/api/v1/calendar/days/?year=abc").status_code == 400


def test_only_a_system_admin_changes_the_calendar(people, as_user):
    body = {"date": "2026-11-25", "is_workday": False, "note": "临时放假"}
    for who in ("clerk", "head", "supervisor"):
        response = as_user(people[who]).post("/api/v1/calendar/days/", body, format="json")
        assert response.status_code == 403
    assert not CalendarDay.objects.filter(date=date(2026, 11, 25)).exists()


def test_a_new_holiday_moves_the_deadline_of_open_requests(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    before = req.due_on
    admin = as_user(people["admin"])
    response = admin.post("/api/v1/calendar/days/", {"date": "2026-11-05", "is_workday": False, "note": "临时放假"},
                          format="json")
    assert response.status_code == 201, response.content
    req.refresh_from_db()
    assert req.due_on > before
    day_id = response.json()["id"]
    assert admin.delete(f"/api/v1/calendar/days/{day_id}/").status_code == 204
    req.refresh_from_db()
    assert req.due_on == before


def test_a_duplicate_day_is_400(people, as_user):
    admin = as_user(people["admin"])
    body = {"date": "2031-05-06", "is_workday": True, "note": "调休上班"}
    assert admin.post("/api/v1/calendar/days/", body, format="json").status_code == 201
    response = admin.post("/api/v1/calendar/days/", body, format="json")
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]


def test_many_open_requests_are_recomputed_on_a_worker_after_the_commit(people, tree, as_user, monkeypatch):
    from disclosure import tasks

    handed = []
    monkeypatch.setattr(tasks, "RECOMPUTE_IN_BACKGROUND_ABOVE", 0)
    monkeypatch.setattr(tasks, "enqueue_recompute", lambda on_failure: handed.append(on_failure))
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["admin"]).post(
        "/api/v1/calendar/days/", {"date": "2026-11-05", "is_workday": False, "note": "临时放假"}, format="json"
    )
    assert response.status_code == 201
    req.refresh_from_db()
    before = req.due_on
    assert len(handed) == 1  # not in the request …
    handed[0]()  # … but by the worker (or in the request, should the broker be down)
    req.refresh_from_db()
    assert req.due_on > before


def test_a_calendar_no_deadline_can_be_computed_on_is_refused_and_nothing_saved(people, tree, as_user, monkeypatch):
    from api import calendar as api_calendar
    from disclosure.deadlines import CalendarError

    def impossible():
        raise CalendarError("no working day within ten years")

    registered(people["clerk"], tree["dept"])
    monkeypatch.setattr(api_calendar, "recompute_after_calendar_edit", impossible)
    response = as_user(people["admin"]).post(
        "/api/v1/calendar/days/", {"date": "2026-11-05", "is_workday": False, "note": "临时放假"}, format="json"
    )
    assert response.status_code == 400
    assert "工作日" in response.json()["error"]["message"]
    assert not CalendarDay.objects.filter(date=date(2026, 11, 5)).exists()
