"""Time the letters: one reply as txt, DOCX and PDF (and issued, with its 文号), then 1,000 drafts in a row.

    GONGKAI_VAR_DIR=/tmp/gk-bench-letters .venv/bin/python bench/letters_bench.py [drafts]

Builds (once) a database under GONGKAI_VAR_DIR (SQLite by default, or DATABASE_URL) with a district,
a department and `drafts` replied requests (bulk-inserted: the services are not what is measured),
then prints:
- one reply: context_for, render_txt, render_docx (median of 5), docx_to_pdf on LibreOffice
  (median of 3, cold start of a fresh profile each time, as the worker does), and issue_document
  (the 文号 taken, the DOCX rendered and stored; the PDF follows from the worker);
- `drafts` drafts in a row, each context_for + render_txt, then each context_for + render_docx.

Figures are in README.md (Benchmarks).
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("GONGKAI_VAR_DIR", "/tmp/gk-bench-letters")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402
from documents import pdf, render  # noqa: E402
from documents.context import context_for  # noqa: E402
from documents.kinds import Kind  # noqa: E402

REASON = "该部分内容涉及被征收户的个人隐私，公开会对第三方合法权益造成损害"


def populate(n: int) -> tuple[Unit, User]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    city, _ = Unit.objects.get_or_create(code="bench-city", defaults={"name": "金华市人民政府", "kind": "government"})
    gov, _ = Unit.objects.get_or_create(code="bench-gov", defaults={"name": "金华市金东区人民政府", "kind": "government",
                                                                    "parent": city})
    dept, _ = Unit.objects.get_or_create(code="bench-dept", defaults={"name": "金华市金东区发展和改革局",
                                                                      "kind": "department", "parent": gov})
    if hasattr(dept, "letter_prefix") and not dept.letter_prefix:
        Unit.objects.filter(pk=dept.pk).update(letter_prefix="金东发改公")
        dept.refresh_from_db()
    head, _ = User.objects.get_or_create(username="bench-head", defaults={"is_staff": True, "full_name": "负责人"})
    for role in ("clerk", "head"):
        StaffRole.objects.get_or_create(user=head, unit=dept, role=role)
    have = DisclosureRequest.objects.filter(unit=dept).count()
    rows = []
    for i in range(have, n):
        received = date(2026, 1, 5) + timedelta(days=i % 200)
        rows.append(DisclosureRequest(
            unit=dept, ref=f"BENCH-{i:05d}", applicant_type="natural_person", applicant_name=f"申请人{i}",
            channel="online", submitted_on=received, confirmed_on=received, received_on=received,
            content=f"第{i}号：金东区2025年道路改造项目的立项批复及环境影响评价文件", provision_form="email",
            status="replied", outcome="partial", concluded_on=received + timedelta(days=20),
            reply_data={"reason": REASON, "withheld_parts": "被征收户的身份证号码、联系电话和银行账号"},
        ))
    DisclosureRequest.objects.bulk_create(rows, batch_size=500)
    return dept, head


def timed(fn, repeat=1):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    call_command("migrate", "--noinput", "-v", "0")
    dept, head = populate(n)
    reqs = list(DisclosureRequest.objects.filter(unit=dept).select_related("unit__parent__parent").order_by("ref")[:n])
    one = reqs[0]
    ms = 1000
    t_ctx, ctx = timed(lambda: context_for(one, Kind.REPLY, number="金东发改公复〔2026〕1号",
                                           verification_code="K7QX2M4PZA"), 5)
    t_txt, _ = timed(lambda: render.render_txt(ctx), 5)
    t_docx, docx = timed(lambda: render.render_docx(ctx), 5)
    print(f"one reply: context {t_ctx * ms:.1f} ms, txt {t_txt * ms:.2f} ms, DOCX {t_docx * ms:.1f} ms "
          f"({len(docx):,} bytes)")
    if pdf.pdf_available():
        t_pdf, data = timed(lambda: pdf.docx_to_pdf(docx, timeout=120), 3)
        print(f"one reply: PDF (LibreOffice, fresh profile) {t_pdf:.2f} s ({len(data):,} bytes)")
    else:
        print("one reply: PDF skipped (no LibreOffice)")
    try:
        from documents import services as letters
    except ImportError:  # the issuing side is part S's
        letters = None
    if letters is not None and hasattr(letters, "issue_document"):
        fresh = reqs[-1]
        if not fresh.documents.exists():
            start = time.perf_counter()
            document = letters.issue_document(fresh, Kind.REPLY, actor=head, today=date(2026, 11, 26))
            print(f"one reply issued ({document.number}): {(time.perf_counter() - start) * ms:.1f} ms "
                  "(number, DOCX, event; the PDF is the worker's)")

    start = time.perf_counter()
    for req in reqs:
        render.render_txt(context_for(req, Kind.REPLY))
    t_txt_all = time.perf_counter() - start
    start = time.perf_counter()
    for req in reqs:
        render.render_docx(context_for(req, Kind.REPLY))
    t_docx_all = time.perf_counter() - start
    print(f"{len(reqs):,} drafts in a row: txt {t_txt_all:.2f} s ({t_txt_all / len(reqs) * ms:.2f} ms each), "
          f"DOCX {t_docx_all:.2f} s ({t_docx_all / len(reqs) * ms:.1f} ms each)")


if __name__ == "__main__":
    main()
