"""deadline_sweep: the same service as the beat jobs, printing what it sends."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Alert, Notification

from .scenario import build


def sweep_command(*args):
    out = StringIO()
    call_command("deadline_sweep", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def scenario(tree, people):
    return build(tree, people)


@pytest.mark.django_db
def test_dry_run_prints_what_it_would_send_and_writes_nothing(scenario):
    out = sweep_command("--today", "2025-10-31", "--dry-run")
    assert "2025-10-31 巡查：将创建" in out
    assert "将创建 [站内通知] → " in out and "【答复超期】R1 已超过答复期限" in out
    assert not Alert.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db
def test_run_sends_in_process_and_a_second_run_sends_nothing(scenario):
    out = sweep_command("--today", "2025-10-31")
    created = Alert.objects.count()
    assert f"2025-10-31 巡查：已创建{created}条提醒。" in out
    assert f"发送完成：成功{created}条，失败0条" in out
    # one in-app message per person and sweep (the digest), every alert on one of them
    in_app = Alert.objects.filter(channel="in_app")
    messages = in_app.exclude(digest="").values("digest").distinct().count() + in_app.filter(digest="").count()
    assert f"（合并为{messages}条消息；" in out
    assert Notification.objects.count() == messages < created
    assert not in_app.exclude(digest="").filter(digest_notification=None).exists()
    again = sweep_command("--today", "2025-10-31")
    assert "已创建0条提醒" in again and "发送完成：成功0条" in again
    assert Notification.objects.count() == messages


@pytest.mark.django_db
def test_non_working_day_skips_the_deadline_sweep_unless_forced(scenario):
    out = sweep_command("--today", "2025-10-04")
    assert "不是工作日" in out and not Alert.objects.exists()
    assert "已创建0条提醒" not in sweep_command("--today", "2025-10-04", "--force", "--dry-run")


@pytest.mark.django_db
def test_bad_date_names_the_option():
    with pytest.raises(CommandError, match="--today：“2025-13-01”不是 YYYY-MM-DD 格式的日期"):
        sweep_command("--today", "2025-13-01")


@pytest.mark.django_db
def test_beat_schedule_is_seeded_in_the_database_scheduler():
    from django_celery_beat.models import PeriodicTask

    tasks = {t.task: t for t in PeriodicTask.objects.select_related("crontab")}
    sweep = tasks["notifications.tasks.run_sweep"]
    assert (sweep.crontab.hour, sweep.crontab.minute, str(sweep.crontab.timezone)) == ("8", "30", "Asia/Shanghai")
    assert {"notifications.tasks.run_monthly_bulletin", "notifications.tasks.run_calendar_check"} <= set(tasks)
    assert all(t.enabled for t in tasks.values())
