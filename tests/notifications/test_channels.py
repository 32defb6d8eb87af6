"""Channels against a local HTTP server that records what it receives, and e-mail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from notifications import delivery, services
from notifications.channels import dingtalk_signed_url
from notifications.directory import request_link
from notifications.models import Alert, AlertKind, UnitPreference

from .scenario import make_request


class Recorder(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append({"path": self.path, "body": json.loads(body), "type": self.headers["Content-Type"]})
        reply = json.dumps(self.server.reply).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.received, server.reply, server.status = [], {"errcode": 0, "errmsg": "ok"}, 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def robots(tree, robot_server):
    base = f"http://127.0.0.1:{robot_server.server_port}"
    return UnitPreference.objects.create(
        unit=tree["dept"], dingtalk_enabled=True, dingtalk_webhook=f"{base}/robot/send?access_token=tok",
        dingtalk_secret="SECabc123", wecom_enabled=True, wecom_webhook=f"{base}/cgi-bin/webhook/send?key=k1",
    )


def expected_sign(timestamp: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def test_dingtalk_sign_is_hmac_sha256_of_timestamp_and_secret_base64_urlencoded():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECsecret", 1700000000000)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["timestamp"] == ["1700000000000"]
    assert query["sign"] == [expected_sign("1700000000000", "SECsecret")]
    assert "%2B" in url or "%2F" in url or "%3D" in url  # the base64 is url-encoded, not raw


@pytest.mark.django_db
def test_group_robots_receive_the_reminder_once_with_a_valid_dingtalk_signature(tree, people, robots, robot_server):
    make_request(tree["dept"], "W1", date(2025, 9, 26), handler=people["clerk"])  # due 10-30
    services.sweep(date(2025, 10, 29))
    robot_alerts = Alert.objects.filter(recipient=None, kind=AlertKind.REMINDER)
    assert sorted(robot_alerts.values_list("channel", flat=True)) == ["dingtalk", "wecom"]
    outcomes = delivery.deliver_now(robot_alerts.values_list("pk", flat=True))
    assert set(outcomes.values()) == {"sent"}
    delivery.deliver_now(robot_alerts.values_list("pk", flat=True))  # again: nothing more is posted

    assert len(robot_server.received) == 2
    by_path = {urllib.parse.urlsplit(r["path"]).path: r for r in robot_server.received}
    ding = by_path["/robot/send"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(ding["path"]).query)
    assert query["access_token"] == ["tok"]
    assert query["sign"] == [expected_sign(query["timestamp"][0], "SECabc123")]
    assert ding["body"]["msgtype"] == "text"
    assert "W1" in ding["body"]["text"]["content"] and "1个工作日" in ding["body"]["text"]["content"]
    assert "/admin/disclosure/disclosurerequest/" in ding["body"]["text"]["content"]
    wecom = by_path["/cgi-bin/webhook/send"]
    assert wecom["body"] == ding["body"] and "sign" not in wecom["path"]
    assert wecom["type"].startswith("application/json")


@pytest.mark.django_db
def test_robot_error_reply_marks_the_alert_failed_and_the_next_attempt_sends_it(tree, people, robots, robot_server):
    make_request(tree["dept"], "W2", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 29))
    alert = Alert.objects.get(recipient=None, channel="dingtalk")
    robot_server.reply = {"errcode": 310000, "errmsg": "sign not match"}
    assert delivery.deliver_now([alert.pk])[alert.pk].startswith("failed")
    alert.refresh_from_db()
    assert (alert.status, alert.attempts) == ("failed", 1)
    assert "310000" in alert.last_error
    assert alert.pk in delivery.waiting_alert_ids()  # the next sweep picks it up again

    robot_server.reply = {"errcode": 0, "errmsg": "ok"}
    assert delivery.deliver_now(delivery.waiting_alert_ids())[alert.pk] == "sent"
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, alert.last_error) == ("sent", 2, "")


@pytest.mark.django_db
def test_unreachable_robot_is_recorded_as_a_failure_not_an_exception(tree, people, robots, robot_server):
    make_request(tree["dept"], "W3", date(2025, 9, 26), handler=people["clerk"])
    robots.wecom_webhook = "http://127.0.0.1:9/cgi-bin/webhook/send?key=k1"  # discard port: refused
    robots.save()
    services.sweep(date(2025, 10, 29))
    alert = Alert.objects.get(recipient=None, channel="wecom")
    assert delivery.deliver_now([alert.pk])[alert.pk].startswith("failed")
    alert.refresh_from_db()
    assert alert.status == "failed" and "无法连接" in alert.last_error


@pytest.mark.django_db
def test_email_goes_to_people_with_an_address_in_chinese_with_the_request_link(tree, people):
    people["clerk"].email = "clerk@example.gov.cn"
    people["clerk"].save()
    req = make_request(tree["dept"], "M1", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 23))
    email_alert = Alert.objects.get(channel="email")
    assert email_alert.recipient == people["clerk"] and email_alert.stage == 5
    delivery.deliver_now(delivery.waiting_alert_ids())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clerk@example.gov.cn"]
    assert message.subject == "【答复期限提醒】M1 距答复期限还有5个工作日"
    assert f"/admin/disclosure/disclosurerequest/{req.pk}/change/" in message.body
    assert "2025年10月30日" in message.body


@pytest.mark.django_db
def test_person_and_unit_preferences_switch_channels_off(tree, people):
    from notifications.models import PersonPreference

    people["clerk"].email = "clerk@example.gov.cn"
    people["clerk"].save()
    PersonPreference.objects.create(user=people["clerk"], email_enabled=False)
    UnitPreference.objects.create(unit=tree["dept"], in_app_enabled=False)
    make_request(tree["dept"], "P1", date(2025, 9, 26), handler=people["clerk"])
    assert services.sweep(date(2025, 10, 23)).created == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.invalid/robot", "robot"])
def test_a_webhook_that_is_not_http_is_refused_without_being_opened(url):
    from notifications.channels import ChannelError, _post_json

    with pytest.raises(ChannelError, match="http"):
        _post_json(url, {"msgtype": "text"})


def test_links_in_an_email_are_clickable_and_carry_the_site_address(tree, people, settings):
    settings.GONGKAI_SITE_URL = "http://127.0.0.1:8103"
    people["clerk"].email = "clerk@example.gov.cn"
    people["clerk"].save()
    req = make_request(tree["dept"], "M1", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 23))
    delivery.deliver_now(delivery.waiting_alert_ids())
    message = mail.outbox[0]
    link = f"http://127.0.0.1:8103/admin/disclosure/disclosurerequest/{req.pk}/change/"
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'<a href="{link}">' in html


def test_links_in_in_app_notifications_are_clickable(client, tree, people, settings):
    from django.urls import reverse

    from notifications.models import Notification

    settings.GONGKAI_SITE_URL = "http://127.0.0.1:8103"
    link = request_link(42)
    Notification.objects.create(user=people["clerk"], message=f"<b>请及时办理</b>。查看：{link}", link=link)
    client.force_login(people["clerk"])
    body = client.get(reverse("notifications:list")).content.decode()
    assert f'<a href="{link}"' in body and "gk-open-note" in body
    assert "&lt;b&gt;请及时办理" in body  # the text is escaped, only the links are markup
