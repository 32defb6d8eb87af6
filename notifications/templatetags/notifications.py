"""{% notification_links %}: the unread count (and, for admins, failed alerts) for the admin header."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from notifications.admin import failed_alert_count
from notifications.channels import linkify as make_links
from notifications.models import Notification

register = template.Library()


@register.simple_tag(takes_context=True)
def notification_links(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return ""
    unread = Notification.objects.filter(user=user, read_at__isnull=True).count()
    html = format_html(
        '<a href="{}" id="notification-count" title="{}">{} <strong>{}</strong></a> / ',
        reverse("notifications:list"), _("未读通知"), _("通知"), unread,
    )
    failed = failed_alert_count(user)
    if failed:
        html += format_html(
            '<a href="{}?status__exact=failed" id="failed-alert-count" style="color:#ffc">{} {}</a> / ',
            reverse("admin:notifications_alert_changelist"), _("发送失败的提醒"), failed,
        )
    return html


@register.filter
def linkify(text):
    """A notification's text with its links clickable (channels.linkify: escaped first)."""
    return mark_safe(make_links(str(text)))  # nosec B703 B308 (escaped by urlize's autoescape)
