"""An administrator brings an office's spreadsheet ledger into Gongkai and takes it out again, in a
real Chromium: 导入台账 with a bad row (every error shown, nothing written), the corrected file, then
导出台账 as a CSV download."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from disclosure.models import DisclosureRequest, Unit
from security.models import AuditEntry
from tests.factories import UnitFactory, staff
from tests.ledger_samples import ROWS, ledger_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Gongkai-test-2026"  # tests.factories.UserFactory
SAMPLE_UNITS = [row for row in ROWS if row[1] in ("jd-fgj", "jindong")]


def csv_file(content: bytes, name: str = "台账.csv") -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def signed_in_admin(page, live_server) -> None:
    """The district and its 发改局, and its system administrator signed in."""
    root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="金东公开")
    UnitFactory(code="jd-fgj", name="金东区发展和改革局", kind=Unit.Kind.DEPARTMENT, parent=root)
    staff("admin", root, "admin")
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click('#login-form input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")


def test_admin_imports_a_ledger_fixes_a_bad_row_and_exports_it(page, live_server, tmp_path):
    signed_in_admin(page, live_server)
    page.goto(f"{live_server.url}/admin/disclosure/disclosurerequest/")

    # --- 导入台账: one row names a unit that does not exist ---
    page.click("#gk-ledger-import")
    page.wait_for_url(re.compile(r"/ledger/import/$"))
    bad = ledger_csv(SAMPLE_UNITS) + "FG-BAD-1,nowhere,in_person,2026-03-02,2026-03-02,natural_person,李四,,,x,,,,,,\n".encode()
    page.set_input_files("#id_file", files=[csv_file(bad)])
    page.click("#gk-ledger-submit")
    expect(page.locator("#gk-ledger-errors-summary")).to_contain_text("未导入任何数据")
    rows = page.locator("#gk-ledger-errors tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("nowhere")
    assert DisclosureRequest.objects.count() == 0  # all or nothing
    page.screenshot(path=str(tmp_path / "ledger-errors.png"), full_page=True)

    # --- the corrected file ---
    page.set_input_files("#id_file", files=[csv_file(ledger_csv(SAMPLE_UNITS))])
    page.click("#gk-ledger-submit")
    expect(page.locator("ul.messagelist")).to_contain_text(f"新建 {len(SAMPLE_UNITS)} 件")
    assert set(DisclosureRequest.objects.values_list("ref", flat=True)) == {row[0] for row in SAMPLE_UNITS}

    # --- 导出台账: the department's requests as a CSV file ---
    page.goto(f"{live_server.url}/admin/disclosure/disclosurerequest/")
    page.click("#gk-ledger-export")
    page.wait_for_url(re.compile(r"/ledger/export/$"))
    page.select_option("#id_unit", label="金东区发展和改革局")
    page.select_option("#id_headers", value="en")
    with page.expect_download() as info:
        page.click("#gk-ledger-submit")
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    content = open(download.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbf")  # opens in Excel with its Chinese intact
    exported = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert {row["ref"] for row in exported} == {row[0] for row in SAMPLE_UNITS if row[1] == "jd-fgj"}
    assert all(row["due_on"] for row in exported)  # the computed columns come with it
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor__username="admin").count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT, actor__username="admin").count() == 1


def test_a_large_ledger_is_imported_in_the_background_and_its_page_follows_it(page, live_server, settings, monkeypatch):
    from disclosure import tasks
    from disclosure.ledger import jobs
    from disclosure.models import LedgerImport

    settings.GONGKAI_LEDGER_INLINE_MAX_BYTES = 100  # the sample is "large"
    queued = []
    monkeypatch.setattr(tasks, "queue_ledger_import", lambda job_id: queued.append(job_id) or True)  # the worker is this test
    signed_in_admin(page, live_server)
    page.goto(f"{live_server.url}/admin/disclosure/disclosurerequest/ledger/import/")
    page.set_input_files("#id_file", files=[csv_file(ledger_csv(SAMPLE_UNITS, extra=30), name="大台账.csv")])
    page.click("#gk-ledger-submit")
    page.wait_for_url(re.compile(r"/ledger/import/\d+/$"))
    expect(page.locator("#gk-job-status")).to_contain_text("排队中")
    expect(page.locator("#gk-job-progress")).to_be_visible()
    assert DisclosureRequest.objects.count() == 0

    jobs.run(queued[0])  # the worker takes it; the page reloads itself and shows the outcome
    expect(page.locator("#gk-job-result")).to_contain_text(f"新建 {len(SAMPLE_UNITS) + 30} 件")
    expect(page.locator("#gk-job-status")).to_have_text("已导入")
    assert LedgerImport.objects.get().status == "done"
    page.click("text=导入其他文件")
    expect(page.locator("#gk-ledger-jobs")).to_contain_text("大台账.csv")
