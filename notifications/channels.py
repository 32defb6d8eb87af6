"""Delivery channels: e-mail, DingTalk and WeCom group robots, in-app notifications.

Each function delivers one alert or raises ChannelError; the caller (delivery.deliver_alert)
records the outcome on the alert row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import urlize

from .bulletin import render_xlsx, rows_visible_to
from .models import Notification
from .sms import SmsError, SmsMessage
from .sms import send_sms as send_sms_message

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ChannelError(Exception):
    pass


# Where an applicant's message carries its tracking code (Alert.secret, wiped once sent).
TRACKING_CODE_PLACEHOLDER = "[[tracking_code]]"


def message_body(alert) -> str:
    if TRACKING_CODE_PLACEHOLDER in alert.body:
        if not alert.secret:
            raise ChannelError("查询码已清除，该消息不能再次发送")
        return alert.body.replace(TRACKING_CODE_PLACEHOLDER, alert.secret)
    return alert.body


def send_email(alert) -> None:
    # an applicant's address is on the alert (they are no user); staff's is their account's
    address = alert.address if alert.recipient_id is None and alert.address else getattr(alert.recipient, "email", "")
    if not address:
        raise ChannelError("收件人没有电子邮件地址")
    message = EmailMultiAlternatives(
        subject=alert.subject,
        body=message_body(alert),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT) if _smtp() else None,
        headers={"X-Gongkai-Alert": alert.key},
    )
    # The same text as HTML, its links (GONGKAI_SITE_URL) clickable in every mail client.
    message.attach_alternative(email_html(alert.body), "text/html")
    if alert.bulletin_id:
        # each recipient gets the units they may see
        rows = rows_visible_to(alert.recipient, alert.bulletin.rows)
        message.attach(alert.bulletin.filename, render_xlsx(alert.bulletin, rows), XLSX_TYPE)
    try:
        message.send(fail_silently=False)
    except OSError as exc:  # smtplib errors are OSError subclasses
        raise ChannelError(f"邮件发送失败：{exc}") from exc


def linkify(text: str) -> str:
    """The text, escaped, its http(s) links clickable — also where Chinese punctuation touches one
    ("查看：http://…"), which Django's urlize alone leaves as text."""
    spaced = re.sub(r"(?<=[^\s])(https?://)", r" \1", text)
    return urlize(spaced, nofollow=False, autoescape=True).replace("\n", "<br>\n")


def email_html(body: str) -> str:
    linked = linkify(body)
    return f'<!DOCTYPE html><html><body style="font-family: sans-serif; line-height: 1.6">{linked}</body></html>'


def _smtp() -> bool:
    return settings.EMAIL_BACKEND.endswith("smtp.EmailBackend")


def dingtalk_signed_url(webhook: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk robot 加签: sign = urlencode(base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")))."""
    if not secret:
        return webhook
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in webhook else "?"
    return f"{webhook}{separator}timestamp={timestamp}&sign={sign}"


def _post_json(url: str, payload: dict) -> dict:
    # Robots are reached over HTTP(S) only: urllib would also open file:// or ftp:// URLs.
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ChannelError("Webhook 地址必须以 http:// 或 https:// 开头")
    data = json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=settings.GONGKAI_WEBHOOK_TIMEOUT) as response:  # nosec B310 (the scheme is checked above)
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"Webhook 返回 HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"Webhook 无法连接：{exc}") from exc
    try:
        result = json.loads(body or b"{}")
    except ValueError as exc:
        raise ChannelError("Webhook 返回的不是 JSON") from exc
    # Both robots answer HTTP 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a failure.
    if isinstance(result, dict) and result.get("errcode", 0) != 0:
        raise ChannelError(f"Webhook 返回错误 {result.get('errcode')}：{result.get('errmsg', '')}")
    return result


def robot_text(alert) -> str:
    text = f"{alert.subject}\n{alert.body}"
    return text[:4000]  # both robots cap a text message at 4096 bytes-ish


def send_dingtalk(alert) -> None:
    pref = alert.unit.notification_preference
    url = dingtalk_signed_url(pref.dingtalk_webhook, pref.dingtalk_secret)
    _post_json(url, {"msgtype": "text", "text": {"content": robot_text(alert)}})


def send_wecom(alert) -> None:
    pref = alert.unit.notification_preference
    _post_json(pref.wecom_webhook, {"msgtype": "text", "text": {"content": robot_text(alert)}})


def send_in_app(alert) -> None:
    """Idempotent by the one-to-one link to the alert."""
    Notification.objects.get_or_create(
        alert=alert,
        defaults={"user": alert.recipient, "message": f"{alert.subject}\n{alert.body}", "link": alert.link},
    )


def send_sms(alert) -> None:
    """To the applicant's phone through settings.GONGKAI_SMS_BACKEND (notifications/sms/)."""
    if not alert.address:
        raise ChannelError("没有手机号码")
    try:
        send_sms_message(SmsMessage(to=alert.address, text=message_body(alert), reference=alert.key))
    except SmsError as exc:
        raise ChannelError(f"短信发送失败：{exc}") from exc


SENDERS = {
    "email": send_email,
    "sms": send_sms,
    "dingtalk": send_dingtalk,
    "wecom": send_wecom,
    "in_app": send_in_app,
}
