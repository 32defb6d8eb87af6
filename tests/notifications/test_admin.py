"""The notifications page, the unread count in the admin header, outbox, bulletin and calendar pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from disclosure.models import CalendarYear
from notifications import bulletin, delivery, services
from notifications.models import Alert, AlertStatus, MonthlyBulletin, Notification

from .scenario import build, make_request


@pytest.fixture
def delivered(tree, people):
    build(tree, people)
    services.sweep(date(2025, 10, 31))
    delivery.deliver_now(delivery.waiting_alert_ids())


@pytest.mark.django_db
def test_admin_header_shows_the_unread_count_and_the_page_lists_and_marks_read(client, people, delivered):
    clerk = people["clerk"]
    unread = Notification.objects.filter(user=clerk, read_at=None).count()
    # a first sweep on 10-31: R1, R2, R4 overdue; R5, R6 consultations and R7 correction period lapsed —
    # six alerts, one in-app digest listing them all
    assert unread == 1
    digest = Notification.objects.get(user=clerk)
    assert digest.digest_alerts.count() == 6
    assert all(ref in digest.message for ref in ("R1", "R2", "R4", "R5", "R6", "R7"))
    client.force_login(clerk)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert f'<a href="/notifications/" id="notification-count" title="未读通知">通知 <strong>{unread}</strong></a>' in (
        index.content.decode()
    )
    page = client.get(reverse("notifications:list"))
    assert page.status_code == 200 and page.content.decode().count('class="unread"') == unread
    note = Notification.objects.filter(user=clerk).first()
    opened = client.get(reverse("notifications:open", args=[note.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/admin/disclosure/disclosurerequest/"
    note.refresh_from_db()
    assert note.read_at is not None
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=clerk, read_at=None).exists()


@pytest.mark.django_db
def test_a_user_cannot_open_someone_elses_notification(client, people, delivered):
    note = Notification.objects.filter(user=people["head"]).first()
    client.force_login(people["clerk"])
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.django_db
def test_admins_see_failed_alerts_in_the_header_and_can_resend(client, people, delivered, django_capture_on_commit_callbacks):
    alert = Alert.objects.filter(status=AlertStatus.SENT).first()
    Alert.objects.filter(pk=alert.pk).update(status=AlertStatus.FAILED, last_error="SMTP 421")
    client.force_login(people["admin"])
    index = client.get(reverse("admin:index")).content.decode()
    assert 'id="failed-alert-count"' in index and "发送失败的提醒 1" in index
    listing = client.get(reverse("admin:notifications_alert_changelist") + "?status__exact=failed")
    assert listing.status_code == 200 and alert.subject in listing.content.decode()
    client.force_login(people["clerk"])
    assert client.get(reverse("admin:notifications_alert_changelist")).status_code == 403
    assert 'id="failed-alert-count"' not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_bulletin_page_and_xlsx_show_only_visible_units(client, tree, people):
    make_request(tree["dept"], "B1", date(2025, 9, 1))
    make_request(tree["other"], "B2", date(2025, 9, 1))
    bulletin.monthly_bulletin(date(2025, 10, 9))
    sheet = MonthlyBulletin.objects.get()
    client.force_login(people["head"])
    page = client.get(reverse("admin:notifications_monthlybulletin_change", args=[sheet.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "金东区发展和改革局" in html and "婺城区人民政府" not in html
    xlsx = client.get(reverse("admin:notifications_monthlybulletin_xlsx", args=[sheet.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('gongkai-bulletin-2025-09.xlsx"')


@pytest.mark.django_db
def test_calendar_page_loads_the_package_in_one_click_and_rejects_a_bad_csv(client, people):
    CalendarYear.objects.filter(year=2026).delete()
    client.force_login(people["admin"])
    url = reverse("admin:notifications_calendarcoverage_changelist")
    page = client.get(url)
    assert page.status_code == 200 and "未载入" in page.content.decode()
    response = client.post(url, {"load_package": "1"}, follow=True)
    assert CalendarYear.objects.filter(year=2026).exists()
    assert "已载入年度" in response.content.decode()

    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.csv", b"date,is_workday,note\n2027-13-01,0,x\n")
    response = client.post(url, {"upload_csv": "1", "csv_file": bad}, follow=True)
    assert response.status_code == 200 and "date列" in response.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()

    client.force_login(people["clerk"])
    assert client.get(url).status_code == 403
