"""The notifications page: a user's in-app notifications, newest first; opening one marks it read."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.admin import site
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Notification


@staff_member_required
def notification_list(request):
    qs = Notification.objects.filter(user=request.user)
    show = request.GET.get("show", "unread")
    if show != "all":
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        **site.each_context(request),
        "title": _("我的通知"),
        "page": page,
        "show": "all" if show == "all" else "unread",
        "unread": Notification.objects.filter(user=request.user, read_at__isnull=True).count(),
    }
    return TemplateResponse(request, "notifications/notification_list.html", context)


@staff_member_required
def open_notification(request, pk: int):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
    target = note.link
    if target.startswith("http"):  # absolute links carry GONGKAI_SITE_URL; follow only the path here
        parts = urlsplit(target)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("notifications:list")
    return redirect(target)


@staff_member_required
@require_POST
def mark_all_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications:list")
