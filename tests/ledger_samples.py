"""A small ledger over the units of conftest's `tree` (a department, a township, the district and
another district), for the admin and API tests of the ledger pages; and the command's output to
compare them with."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from disclosure.ledger import import_ledger

DATA = Path(__file__).parent / "data" / "ledger"
ID_NUMBER = "330101198001031234"
CONTACT = "13800001111"
KEYS = ("ref", "unit", "channel", "submitted_on", "received_on", "applicant_type", "applicant_name",
        "applicant_id_number", "applicant_contact", "content", "consultation_sent_on", "consultation_replied_on",
        "fee_notice_on", "fee_paid_on", "concluded_on", "result")
ROWS = [
    # ref, unit, received, id number, contact, concluded, result
    ("FG-2025-001", "jd-fgj", "2025-03-03", ID_NUMBER, CONTACT, "2025-03-20", "granted"),
    ("FG-2026-001", "jd-fgj", "2026-01-05", "", "13900002222", "", ""),
    ("DX-2026-001", "jd-dxz", "2026-02-02", ID_NUMBER, "", "2026-02-16", "partial"),
    ("JD-2024-001", "jindong", "2024-05-06", "", "", "", ""),  # open since 2024: in every later year
    ("WC-2026-001", "wucheng", "2026-03-02", ID_NUMBER, "13700003333", "", ""),
]


def ledger_csv(rows=ROWS, *, extra=0) -> bytes:
    """The sample rows (and `extra` more in the department, each with a consultation and a fee notice)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(KEYS)
    for ref, unit, received, id_number, contact, concluded, result in rows:
        writer.writerow([ref, unit, "in_person", received, received, "natural_person", "张三", id_number, contact,
                         "某项目的批复文件", "", "", "", "", concluded, result])
    for i in range(extra):
        writer.writerow([f"FG-X-{i:04d}", "jd-fgj", "online", "2025-06-02", "2025-06-02", "commercial", f"某公司{i}",
                         "", "", "土地出让合同", "2025-06-04", "2025-06-06", "2025-06-05", "2025-06-09", "", ""])
    return out.getvalue().encode("utf-8")


def load_sample(**kwargs) -> None:
    import_ledger(ledger_csv(**kwargs), source_name="sample.csv")


def upload(content: bytes, name: str = "ledger.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def command_export(tmp_path, *args) -> bytes:
    """The bytes export_ledger writes with -o for the same parameters."""
    path = tmp_path / "command-export"
    call_command("export_ledger", *args, "-o", str(path), stdout=io.StringIO())
    return path.read_bytes()


def csv_rows(content: bytes) -> list[dict]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def downloaded(response):
    """A ledger download read whole, as a browser saves it: the admin and the API stream it
    (StreamingHttpResponse); anything else (an error page) is returned as it is."""
    if not getattr(response, "streaming", False):
        return response
    from functools import partial

    from django.http import HttpResponse

    whole = HttpResponse(b"".join(response.streaming_content), status=response.status_code)
    for header, value in response.items():
        whole[header] = value
    whole.json = partial(lambda r: __import__("json").loads(r.content), whole)
    return whole  # (the test client closed the response after the last chunk, as a server does)
