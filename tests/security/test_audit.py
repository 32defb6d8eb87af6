"""Every reveal and export is recorded; the log cannot be changed through the ORM, the admin or the API."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from security.logfilter import MaskIdNumbers
from security.models import AppendOnlyError, AuditEntry
from tests.api.builders import registered, with_records
from tests.factories import UserFactory

ID = "33010119800315123X"


def change_url(req):
    return reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])


def token_client(user):
    _, raw = ApiToken.issue(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


@pytest.mark.django_db
def test_admin_change_page_reveal_is_recorded_once_per_page_view(client, people, tree):
    req = registered(people["clerk"], tree["dept"])
    client.force_login(people["clerk"])
    body = client.get(change_url(req), REMOTE_ADDR="10.1.2.3").content.decode()
    assert ID in body
    entries = list(AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.actor, entry.actor_name, entry.target_type, entry.target_id) == (
        people["clerk"], "clerk", "disclosure.DisclosureRequest", str(req.pk))
    assert entry.fields == "applicant_id_number,applicant_contact"
    assert entry.ip_address == "10.1.2.3" and entry.via == "web"


@pytest.mark.django_db
def test_a_masked_page_records_no_reveal(client, people, tree):
    req = registered(people["clerk"], tree["dept"])
    client.force_login(people["supervisor"])
    body = client.get(change_url(req)).content.decode()
    assert ID not in body and "330***********123X" in body
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


@pytest.mark.django_db
def test_api_list_records_one_reveal_per_row_in_one_insert(people, tree):
    for _ in range(3):
        registered(people["clerk"], tree["dept"])
    api = token_client(people["clerk"])
    with CaptureQueriesContext(connection) as ctx:
        response = api.get("/api/v1/requests/")
    assert response.status_code == 200
    inserts = [q["sql"] for q in ctx.captured_queries if "security_auditentry" in q["sql"]]
    assert len(inserts) == 1
    assert AuditEntry.objects.filter(action="reveal", via="api", actor=people["clerk"]).count() == 3


@pytest.mark.django_db
def test_api_masked_for_a_supervisor_records_nothing(people, tree):
    registered(people["clerk"], tree["dept"])
    rows = token_client(people["supervisor"]).get("/api/v1/requests/").json()["results"]
    assert rows[0]["applicant_id_number"] == "330***********123X"
    assert not AuditEntry.objects.filter(action="reveal").exists()


@pytest.mark.django_db
def test_attachment_downloads_are_recorded(people, tree, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    made = with_records(people["clerk"], tree["dept"], people["reviewer"])
    req, attachment = made["request"], made["attachment"]
    response = token_client(people["clerk"]).get(f"/api/v1/attachments/{attachment.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"  # not replaced by django-csp
    entry = AuditEntry.objects.get(action="download")
    assert (entry.target_id, entry.detail["request_id"]) == (str(attachment.pk), req.pk)


@pytest.mark.django_db
def test_export_ledger_command_is_recorded(people, tree):
    registered(people["clerk"], tree["dept"])
    call_command("export_ledger", "--year", "2026", stdout=io.StringIO())
    entry = AuditEntry.objects.get(action="export")
    assert entry.detail["what"] == "ledger" and entry.detail["year"] == 2026 and entry.via == "command"
    assert entry.actor is None and entry.actor_name == "manage.py export_ledger"


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_through_the_orm(people):
    entry = AuditEntry.objects.create(action="export", actor=people["clerk"], detail={"what": "ledger"})
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="login")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "export"


@pytest.mark.django_db
def test_deleting_a_user_leaves_their_entries(people):
    user = UserFactory(username="leaver")
    AuditEntry.objects.create(action="export", actor=user, actor_name="leaver")
    user.delete()
    assert AuditEntry.objects.get().actor_name == "leaver"


@pytest.mark.django_db
def test_even_a_superuser_cannot_add_change_or_delete_entries_in_the_admin(client):
    root = UserFactory(username="root", is_superuser=True)
    entry = AuditEntry.objects.create(action="export", actor=root, actor_name="root", detail={"what": "ledger"})
    client.force_login(root)
    assert client.get(reverse("admin:security_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:security_auditentry_add")).status_code == 403
    page = client.get(reverse("admin:security_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # view only
    assert client.post(reverse("admin:security_auditentry_change", args=[entry.pk]),
                       {"action": "login"}).status_code == 403
    assert client.post(reverse("admin:security_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, action="export").exists()


@pytest.mark.django_db
def test_staff_without_the_admin_role_do_not_see_the_log(client, people):
    client.force_login(people["head"])
    assert client.get(reverse("admin:security_auditentry_changelist")).status_code == 403


def test_no_api_route_exposes_the_audit_log():
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), getattr(p.callback, "cls", None)

    for route, cls in walk(get_resolver().url_patterns):
        model = getattr(getattr(cls, "queryset", None), "model", None)
        assert model is not AuditEntry, route


def test_root_handler_masks_id_numbers_in_messages_arguments_and_tracebacks():
    root = logging.getLogger()
    handlers = [h for h in root.handlers if any(isinstance(f, MaskIdNumbers) for f in h.filters)]
    assert handlers, "the root handler carries the masking filter"
    handler = handlers[0]
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("gongkai.test").warning("registered %s for %s", ID, "张三")
        try:
            raise ValueError(f"bad number {ID}")
        except ValueError:
            logging.getLogger("gongkai.test").exception("failed")
    finally:
        handler.setStream(old)
    text = stream.getvalue()
    assert ID not in text
    assert text.count("330***********123X") == 2 and "张三" in text


def test_celery_worker_log_handlers_get_the_masking_filter_too():
    from celery import signals

    logger = logging.getLogger("gongkai.test.celery")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        signals.after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None,
                                        format="", colorize=False)
        logger.warning("task for %s", ID)
    finally:
        logger.removeHandler(handler)
    assert ID not in stream.getvalue() and "330***********123X" in stream.getvalue()


@pytest.mark.django_db
def test_on_postgresql_the_database_refuses_update_and_delete_of_entries(people):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from django.db import DatabaseError, transaction

    entry = AuditEntry.objects.create(action="export", actor=people["clerk"], detail={"what": "ledger"})
    for sql in ("UPDATE security_auditentry SET action = 'login' WHERE id = %s",
                "DELETE FROM security_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "export"
