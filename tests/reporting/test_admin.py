"""Reporting admin: frozen reports read-only, table 二 entry and report upload, isolated by access.py."""

import json
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting import services
from reporting.models import ImportedReport, PublishedReport, Table2Entry
from tests.factories import RequestFactory

NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def published(tree, people):
    RequestFactory(unit=tree["dept"], received_on=date(2025, 3, 3), submitted_on=date(2025, 3, 3))
    return services.publish_report(tree["dept"], 2025, actor=people["supervisor"], now=NOW)


def test_published_reports_are_readable_but_never_changed_in_the_admin(client, people, published):
    client.force_login(people["admin"])
    assert client.get(reverse("admin:reporting_publishedreport_changelist")).status_code == 200
    assert client.get(reverse("admin:reporting_publishedreport_change", args=[published.pk])).status_code == 200
    assert client.get(reverse("admin:reporting_publishedreport_add")).status_code == 403
    assert client.post(reverse("admin:reporting_publishedreport_delete", args=[published.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:reporting_publishedreport_change", args=[published.pk]), {"year": 1999})
    assert PublishedReport.objects.get().year == 2025


def test_published_reports_of_other_units_are_not_reachable(client, people, published):
    client.force_login(people["other_clerk"])
    assert client.get(reverse("admin:reporting_publishedreport_change", args=[published.pk])).status_code in (302, 403, 404)
    client.force_login(people["town_clerk"])
    body = client.get(reverse("admin:reporting_publishedreport_changelist")).content.decode()
    assert str(published.unit) not in body


def entry_post(unit, **overrides):
    return {"unit": unit.pk, "year": 2025, "edition": "2021", "item": "penalty", "column": "decisions", "value": "12",
            **overrides}


def test_table2_entry_in_the_editions_cells(client, tree, people):
    client.force_login(people["clerk"])
    url = reverse("admin:reporting_table2entry_add")
    response = client.post(url, entry_post(tree["dept"], item="other_services"))
    assert response.status_code == 200 and "没有" in response.content.decode()
    response = client.post(url, entry_post(tree["dept"], edition="2019"))
    assert response.status_code == 200 and "2021版" in response.content.decode()
    assert not Table2Entry.objects.exists()
    assert client.post(url, entry_post(tree["dept"])).status_code == 302
    assert Table2Entry.objects.get().value == 12


def test_table2_entry_only_for_units_where_the_user_acts(client, tree, people):
    client.force_login(people["clerk"])
    response = client.post(reverse("admin:reporting_table2entry_add"), entry_post(tree["town"]))
    assert response.status_code == 200 and "unit" in response.context["adminform"].form.errors
    assert not Table2Entry.objects.exists()


def report_file(doc, name="report.json"):
    return SimpleUploadedFile(name, json.dumps(doc, ensure_ascii=False).encode("utf-8"), content_type="application/json")


def test_supervisor_uploads_a_units_report_and_its_checks_are_stored(client, tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = services.compile_report(tree["town"], 2025)
    doc["table3"]["rows"]["new"] = [1, 0, 0, 0, 0, 0, 1]  # breaks the column reconciliation
    client.force_login(people["supervisor"])
    response = client.post(reverse("admin:reporting_importedreport_add"), {"unit": tree["town"].pk, "upload": report_file(doc)})
    assert response.status_code == 302
    report = ImportedReport.objects.get()
    assert report.imported_by == people["supervisor"] and report.has_errors
    assert any(c["code"] == "column_reconciliation" and not c["ok"] for c in report.checks)


def test_an_unreadable_or_malformed_upload_is_refused_and_nothing_saved(client, tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["supervisor"])
    url = reverse("admin:reporting_importedreport_add")
    bad = SimpleUploadedFile("r.json", b"{not json", content_type="application/json")
    response = client.post(url, {"unit": tree["town"].pk, "upload": bad})
    assert response.status_code == 200 and "JSON" in response.content.decode()
    response = client.post(url, {"unit": tree["town"].pk, "upload": report_file({"year": 2025, "edition": "2021"})})
    assert response.status_code == 200 and "table3.rows" in response.content.decode()
    assert not ImportedReport.objects.exists()


def test_clerks_cannot_import_reports(client, tree, people):
    client.force_login(people["clerk"])
    assert client.get(reverse("admin:reporting_importedreport_add")).status_code == 403
