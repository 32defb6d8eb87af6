"""deadline_sweep [--today YYYY-MM-DD] [--dry-run] [--enqueue] [--force]: the beat jobs, by hand."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from disclosure.models import User
from disclosure.workcalendar import load_work_calendar
from notifications import bulletin, delivery, services
from notifications.directory import Directory
from notifications.models import Alert, AlertChannel


class Command(BaseCommand):
    help = ("运行每日期限巡查（与 Celery beat 任务相同的服务）：答复期限提醒、超期、督办、补正/征求意见/缴费期限、"
            "每日督办摘要、月度通报和放假安排检查，并打印发送的提醒。")

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按此日期巡查（YYYY-MM-DD，默认今天，Asia/Shanghai）。")
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发送的提醒，不写入、不发送。")
        parser.add_argument("--enqueue", action="store_true",
                            help="交给 Celery worker 发送（默认在本进程内直接发送）。")
        parser.add_argument("--force", action="store_true", help="非工作日也执行期限巡查。")

    def handle(self, *args, today=None, dry_run=False, enqueue=False, force=False, **options):
        if today:
            try:
                day = date.fromisoformat(today)
            except ValueError:
                raise CommandError(f"--today：“{today}”不是 YYYY-MM-DD 格式的日期。") from None
        else:
            day = timezone.localdate()
        calendar = load_work_calendar()
        directory = Directory.load()
        planned = []
        if calendar.is_workday(day) or force:
            planned += services.sweep(day, calendar=calendar, dry_run=dry_run, directory=directory).created
        else:
            self.stdout.write(f"{day} 不是工作日：跳过期限巡查（与定时任务一致；--force 可强制执行）。")
        planned += bulletin.monthly_bulletin(day, calendar=calendar, dry_run=dry_run, directory=directory).created
        planned += services.check_calendar_coverage(day, dry_run=dry_run, directory=directory).created

        verb = "将创建" if dry_run else "已创建"
        self.stdout.write(f"{day} 巡查：{verb}{len(planned)}条提醒。")
        for p in planned:
            self.stdout.write(f"  {verb} {self._describe(p, directory)}")
        if dry_run:
            return
        waiting = delivery.waiting_alert_ids()
        if enqueue:
            published = delivery.publish(waiting)
            self.stdout.write(f"已交给 worker 发送 {published}/{len(waiting)} 条（其余留在发件箱等待下次巡查）。")
            return
        outcomes = delivery.deliver_now(waiting)
        alerts = Alert.objects.in_bulk(list(outcomes))
        for alert_id, outcome in outcomes.items():
            alert = alerts[alert_id]
            label = {"sent": "已发送", "cancelled": "已撤销", "skipped": "已跳过"}.get(outcome, outcome)
            self.stdout.write(f"  {label} #{alert_id} [{alert.get_channel_display()}] → "
                              f"{alert.recipient or alert.unit}：{alert.subject}")
        sent = sum(1 for o in outcomes.values() if o == "sent")
        failed = sum(1 for o in outcomes.values() if o.startswith("failed"))
        messages = len({alerts[pk].digest or pk for pk, o in outcomes.items() if o == "sent"})
        self.stdout.write(f"发送完成：成功{sent}条，失败{failed}条（合并为{messages}条消息；失败的留在发件箱，下次巡查重试）。")

    def _describe(self, p, directory) -> str:
        who = directory.users.get(p.recipient_id) if p.recipient_id else directory.units.get(p.unit_id)
        if p.recipient_id and who is None:
            who = User.objects.filter(pk=p.recipient_id).first()
        return f"[{AlertChannel(p.channel).label}] → {who}：{p.subject}"
