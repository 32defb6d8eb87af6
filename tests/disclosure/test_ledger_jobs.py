"""Ledger files too large for the web request (disclosure/ledger/jobs.py): stored, queued after the
commit, imported by the worker's task with its progress on the job, shown on a page that refreshes
itself, and through the API. The task body runs here in the test's process; test_ledger_job_worker.py
runs it in a real worker."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from disclosure import tasks
from disclosure.ledger import jobs
from disclosure.ledger import requests as ledger_requests
from disclosure.models import DisclosureRequest, LedgerImport, RequestEvent
from disclosure.workflow import Action
from security.models import AuditEntry

from ..ledger_samples import ledger_csv, upload

IMPORT = reverse("admin:disclosure_disclosurerequest_ledger_import")


def job_url(job):
    return reverse("admin:disclosure_disclosurerequest_ledger_job", args=[job.pk])


@pytest.fixture(autouse=True)
def background_above_100_bytes(settings, tmp_path):
    settings.GONGKAI_LEDGER_INLINE_MAX_BYTES = 100
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def published(monkeypatch):
    """The jobs handed to the broker (none reaches one here)."""
    sent = []
    monkeypatch.setattr(tasks, "queue_ledger_import", lambda job_id: sent.append(job_id) or True)
    return sent


def submit(client, content, django_capture_on_commit_callbacks, name="台账.csv", kind="ledger"):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(IMPORT, {"kind": kind, "file": upload(content, name)})


def test_a_large_file_becomes_a_job_and_its_page_refreshes_until_it_ends(
    client, people, published, django_capture_on_commit_callbacks
):
    client.force_login(people["admin"])
    response = submit(client, ledger_csv(), django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert response.status_code == 302 and response.url == job_url(job)
    assert published == [job.pk]  # after the commit, so that the worker sees the row
    assert (job.status, job.kind, job.file_name, job.requested_by) == ("queued", "ledger", "台账.csv", people["admin"])
    assert job.file.name and job.file.storage.exists(job.file.name)
    assert DisclosureRequest.objects.count() == 0  # not in the request
    page = client.get(job_url(job)).content.decode()
    assert 'http-equiv="refresh"' in page and 'id="gk-job-progress"' in page and "排队中" in page

    jobs.run(job.pk)  # what the worker's task does
    job.refresh_from_db()
    assert (job.status, job.created, job.updated, job.unchanged, job.rows_total) == ("done", 5, 0, 0, 5)
    assert job.file.name == "" and job.started_at and job.finished_at
    assert DisclosureRequest.objects.count() == 5
    assert set(RequestEvent.objects.filter(action=Action.IMPORT).values_list("actor", flat=True)) == {people["admin"].pk}
    page = client.get(job_url(job)).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "台账导入完成：共 5 行，新建 5 件，更新 0 件，未变化 0 件。" in page
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert (entry.actor, entry.via, entry.detail["job"], entry.detail["created"]) == (people["admin"], "worker", job.pk, 5)
    # the import page lists it
    assert job.file_name in client.get(IMPORT).content.decode()


def test_the_uploaded_file_is_deleted_when_the_job_ends(people, published, django_capture_on_commit_callbacks, client):
    client.force_login(people["admin"])
    submit(client, ledger_csv(), django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    storage, stored = job.file.storage, job.file.name
    jobs.run(job.pk)
    assert not storage.exists(stored)  # it held applicants' ID numbers


def test_an_invalid_file_ends_with_every_error_and_nothing_written(
    client, people, published, django_capture_on_commit_callbacks
):
    bad = ledger_csv() + b"FG-BAD-1,nowhere,in_person,2025-03-03,2025-03-03,natural_person,,,,x,,,,,,\n"
    client.force_login(people["admin"])
    submit(client, bad, django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "invalid"
    assert [(e["row"], e["column"]) for e in job.errors] == [(7, "unit"), (7, "applicant_name")]
    assert DisclosureRequest.objects.count() == 0
    page = client.get(job_url(job)).content.decode()
    assert 'id="gk-ledger-errors"' in page and "未导入任何数据：发现 2 处错误。" in page and "nowhere" in page


def test_an_unreadable_file_and_an_unexpected_error_end_the_job_with_a_message(
    client, people, published, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(people["admin"])
    submit(client, "申请编号\n".encode("utf-16") * 20, django_capture_on_commit_callbacks)
    unreadable = LedgerImport.objects.get()
    jobs.run(unreadable.pk)
    unreadable.refresh_from_db()
    assert unreadable.status == "invalid" and unreadable.message and unreadable.errors == []

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs, "import_file", broken)
    submit(client, ledger_csv(), django_capture_on_commit_callbacks)
    failed = LedgerImport.objects.exclude(pk=unreadable.pk).get()
    jobs.run(failed.pk)
    failed.refresh_from_db()
    assert failed.status == "failed" and "意外错误" in failed.message and "disk" not in failed.message
    assert failed.file.name == ""


def test_a_job_is_imported_once_even_if_its_message_comes_twice(
    client, people, published, django_capture_on_commit_callbacks
):
    client.force_login(people["admin"])
    submit(client, ledger_csv(), django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    jobs.run(job.pk)
    finished = LedgerImport.objects.get(pk=job.pk).finished_at
    jobs.run(job.pk)  # acks_late: a redelivered message
    assert LedgerImport.objects.get(pk=job.pk).finished_at == finished
    assert RequestEvent.objects.filter(action=Action.IMPORT).count() == 5
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 1


def test_with_the_broker_down_the_job_fails_at_once_and_says_what_to_do(
    client, people, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks, "queue_ledger_import", lambda job_id: False)
    client.force_login(people["admin"])
    submit(client, ledger_csv(), django_capture_on_commit_callbacks)
    job = LedgerImport.objects.get()
    assert job.status == "failed" and "import_ledger" in job.message and job.file.name == ""


def test_small_files_are_still_imported_within_the_request(client, people, settings, published):
    settings.GONGKAI_LEDGER_INLINE_MAX_BYTES = 1024 * 1024
    client.force_login(people["admin"])
    response = client.post(IMPORT, {"kind": "ledger", "file": upload(ledger_csv())})
    assert response.status_code == 302 and response.url == IMPORT
    assert DisclosureRequest.objects.count() == 5 and not LedgerImport.objects.exists() and published == []


@pytest.mark.parametrize("name", ["clerk", "head", "supervisor"])
def test_only_system_admins_see_a_job(client, people, name):
    job = LedgerImport.objects.create(kind="ledger", file_name="台账.csv", requested_by=people["admin"])
    client.force_login(people[name])
    assert client.get(job_url(job)).status_code == 403


def test_progress_is_reported_by_phase_and_every_thousand_rows(tree):
    heard = []
    ledger_requests.import_ledger(ledger_csv(extra=2495), source_name="big.csv",
                                  progress=lambda *step: heard.append(step))
    assert heard == [("reading", 0, 0), ("checking", 0, 2500), ("checking", 1000, 2500), ("checking", 2000, 2500),
                     ("writing", 2500, 2500)]


def test_a_job_nobody_takes_says_so_after_a_minute(client, people):
    job = LedgerImport.objects.create(kind="ledger", file_name="台账.csv", requested_by=people["admin"])
    client.force_login(people["admin"])
    assert 'id="gk-job-waiting"' not in client.get(job_url(job)).content.decode()
    LedgerImport.objects.filter(pk=job.pk).update(requested_at=job.requested_at - timedelta(seconds=61))
    assert 'id="gk-job-waiting"' in client.get(job_url(job)).content.decode()


def test_percent_follows_the_phases():
    job = LedgerImport(status="running")
    assert job.percent == 0
    job.phase = "reading"
    assert job.percent == 2
    job.phase, job.rows_done, job.rows_total = "checking", 500, 1000
    assert job.percent == 32
    job.phase = "writing"
    assert job.percent == 60
    job.status = "done"
    assert job.percent == 100


def test_the_outcome_is_told_in_the_reader_s_language(people):
    job = LedgerImport(kind="ledger", status="done", created=3, updated=1, unchanged=0)
    with translation.override("en"):
        assert jobs.result_message(job).startswith("Ledger imported")


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_answers_202_with_the_job_and_its_location(people, as_user, published, django_capture_on_commit_callbacks):
    api = as_user(people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/ledger/import/", {"file": upload(ledger_csv()), "kind": "ledger"},
                            format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["url"] == f"/api/v1/ledger/imports/{body['id']}/"
    assert (body["status"], body["finished"], body["percent"]) == ("queued", False, 0)
    jobs.run(body["id"])
    done = api.get(body["url"]).json()
    assert (done["status"], done["finished"], done["created"], done["percent"]) == ("done", True, 5, 100)
    assert done["message"].startswith("台账导入完成")
    assert as_user(people["clerk"]).get(body["url"]).status_code == 403
    assert api.get("/api/v1/ledger/imports/999999/").status_code == 404
