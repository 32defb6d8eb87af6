"""The ledger export's memory is flat in the number of rows (issue 12): the download streams values
rows a batch at a time, so eight times the requests take about the same peak memory (tracemalloc)."""

from __future__ import annotations

import tracemalloc
from datetime import date, timedelta

import pytest

from disclosure.access import Access
from disclosure.deadlines import WorkCalendar
from disclosure.ledger import ledger_download
from disclosure.models import ApplicantType, Channel, Consultation, DisclosureRequest, Unit

CALENDAR = WorkCalendar(known_years=frozenset(range(2020, 2030)))
ID = "330703198402231582"


def seed(unit: Unit, first: int, last: int) -> None:
    """Rows written fast (bulk_create, encryption included), one in ten with a consultation."""
    start = date(2025, 1, 6)
    requests = [
        DisclosureRequest(
            unit=unit, ref=f"M{i:07d}", applicant_type=ApplicantType.NATURAL_PERSON, applicant_name=f"申请人{i}",
            applicant_id_number=ID, applicant_contact=f"138{i:08d}", channel=Channel.ONLINE,
            submitted_on=start + timedelta(days=i % 300), received_on=start + timedelta(days=i % 300),
            content=f"申请公开第{i}号项目的批复文件", due_on=start + timedelta(days=i % 300 + 28),
        )
        for i in range(first, last)
    ]
    DisclosureRequest.objects.bulk_create(requests, batch_size=2000)
    ids = DisclosureRequest.objects.filter(ref__gte=f"M{first:07d}", ref__lt=f"M{last:07d}").values_list("pk", flat=True)
    Consultation.objects.bulk_create(
        [Consultation(request_id=pk, kind=Consultation.Kind.THIRD_PARTY, party="第三方", sent_on=start,
                      due_on=start + timedelta(days=21)) for pk in ids[::10]],
        batch_size=2000,
    )


def peak_of(fmt: str) -> tuple[int, int, int]:
    """(peak bytes while the whole download is produced and dropped chunk by chunk, bytes, rows)."""
    tracemalloc.start()
    try:
        download = ledger_download(Access(user_id=None, is_admin=True), year=None, unit=None, fmt=fmt,
                                   headers="en", calendar=CALENDAR, today=date(2026, 6, 1))
        size = 0
        for chunk in download.chunks:
            size += len(chunk)
        return tracemalloc.get_traced_memory()[1], size, download.detail["rows"]
    finally:
        tracemalloc.stop()


FORMATS = ("csv", "json", "xlsx")


@pytest.mark.django_db
def test_eight_times_the_rows_take_about_the_same_memory():
    unit = Unit.objects.create(code="mem", name="内存测试局", kind=Unit.Kind.DEPARTMENT)
    small_n, large_n = 1_000, 8_000
    seed(unit, 0, small_n)
    small = {fmt: peak_of(fmt) for fmt in FORMATS}
    seed(unit, small_n, large_n)
    large = {fmt: peak_of(fmt) for fmt in FORMATS}
    for fmt in FORMATS:
        (small_peak, small_size, small_rows), (large_peak, large_size, large_rows) = small[fmt], large[fmt]
        assert (small_rows, large_rows) == (small_n, large_n)
        assert large_size > 6 * small_size, fmt  # the file did grow with the rows …
        # … the memory did not: a batch of rows and the writer's buffer (an XLSX spools up to 4 MiB)
        allowance = 4 * 1024 * 1024 if fmt == "xlsx" else 512 * 1024
        assert large_peak < small_peak * 1.5 + allowance, (fmt, small_peak, large_peak)
        assert large_peak < 12 * 1024 * 1024, (fmt, large_peak)
