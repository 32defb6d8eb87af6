"""Seed the periodic jobs in django_celery_beat's tables (editable in the admin afterwards)."""

from django.db import migrations

TASKS = [
    # name, task, hour, minute, description
    ("每日期限巡查", "notifications.tasks.run_sweep", "8", "30",
     "工作日 08:30 巡查答复期限、补正、征求意见、缴费期限并发送提醒和每日督办摘要（非工作日任务自动跳过）。"),
    ("月度通报检查", "notifications.tasks.run_monthly_bulletin", "8", "40",
     "每天检查：每月第一个工作日起编制并发送上月通报（每月只发一次）。"),
    ("放假安排载入检查", "notifications.tasks.run_calendar_check", "9", "0",
     "每年11月1日起，次年放假安排未载入时每天提醒系统管理员。"),
]


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute, description in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "description": description, "enabled": True}
        )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
