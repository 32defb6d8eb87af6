"""Alerts remember when a publish reached the broker, and beat hands on every minute the ones a
broker outage left behind (notifications.tasks.requeue_unsent)."""

from django.db import migrations, models

NAME = "未入队提醒补发"


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "notifications.tasks.requeue_unsent", "interval": every_minute, "enabled": True,
            "description": "每分钟：把因消息队列（Redis）中断而未能交给 worker 的提醒重新入队，队列恢复后一分钟内发出。",
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_seed_beat_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="enqueued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="入队时间"),
        ),
        migrations.RunPython(seed, unseed),
    ]
