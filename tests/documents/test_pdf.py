"""The PDF path on a real LibreOffice: PDF text = DOCX text (pypdf), A4, CJK fonts embedded,
parallel conversions, the time limit, the message without LibreOffice, and the worker's task.

Skipped only where soffice is missing and GONGKAI_REQUIRE_PDF is not set (.ci/run sets it)."""

import io
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.utils import timezone
from pypdf import PdfReader

from documents import pdf, render
from documents.context import context_for
from documents.kinds import Kind
from documents.models import Document
from documents.tasks import convert_document_pdf

from ..factories import RequestFactory
from . import cases as c
from .letters_text import docx_lines, normalised

pytestmark = pytest.mark.django_db

REQUIRED = os.environ.get("GONGKAI_REQUIRE_PDF") == "1"
needs_soffice = pytest.mark.skipif(
    not pdf.pdf_available() and not REQUIRED, reason="LibreOffice (soffice) is not installed"
)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for d in descendants:
                descriptor = d.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                        names.add(str(descriptor["/FontName"]))
    return names


@needs_soffice
def test_reply_extension_correction_and_delivery_pdfs_say_what_their_docx_says(people, city_tree):
    clerk, head, dept = people["clerk"], people["head"], city_tree["dept"]
    letters = [
        context_for(c.replied(clerk, dept, outcome="partial",
                              reply_data={"reason": "涉及个人隐私", "withheld_parts": "被征收户的联系电话"}),
                    Kind.REPLY, number="金东发改公复〔2026〕7号", verification_code="K7QX2M4PZA"),
        context_for(c.extended(clerk, head, dept), Kind.EXTENSION_NOTICE, number="金东发改公延〔2026〕2号"),
        context_for(c.corrected(clerk, dept), Kind.CORRECTION_NOTICE),
        context_for(RequestFactory(unit=dept, status="archived", outcome="granted", concluded_on=date(2026, 3, 20),
                                   delivery_method="邮寄（EMS）", delivered_on=date(2026, 3, 23),
                                   archived_on=date(2026, 3, 24)),
                    Kind.DELIVERY_RECEIPT, number="金东发改公复〔2026〕7号", verification_code="ZX3Q7M2KPA"),
    ]
    docxs = [render.render_docx(ctx) for ctx in letters]
    # all at once: each conversion has its own profile and temp dir, so none waits for or breaks another
    with ThreadPoolExecutor(max_workers=len(docxs)) as pool:
        pdfs = list(pool.map(lambda d: pdf.docx_to_pdf(d, timeout=180), docxs))
    for ctx, docx, data in zip(letters, docxs, pdfs, strict=True):
        assert data.startswith(b"%PDF-")
        assert normalised(pdf_text(data)) == normalised("".join(docx_lines(docx))), ctx.kind
        for fact in ("title", "letter_date", "remedy", "deadline"):
            if ctx.fields[fact]:
                assert normalised(str(ctx.fields[fact])) in normalised(pdf_text(data))
        reader = PdfReader(io.BytesIO(data))
        box = reader.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
        fonts = embedded_fonts(data)
        assert any("CJK" in name for name in fonts), fonts


@needs_soffice
def test_a_conversion_over_its_time_limit_is_killed_and_says_so():
    with pytest.raises(pdf.PdfFailed, match="秒内未完成转换"):
        pdf.docx_to_pdf(render.default_template(Kind.REPLY), timeout=0.01)


def test_without_libreoffice_the_message_says_what_to_install(monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    assert not pdf.pdf_available()
    with pytest.raises(pdf.PdfUnavailable) as caught:
        pdf.docx_to_pdf(b"PK", timeout=5)
    assert "apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-cwtex-fs" in str(caught.value)


def _fake_soffice(tmp_path, monkeypatch, *, crashes: int, then: str = "pdf"):
    """A stand-in for soffice that aborts (SIGABRT) on its first `crashes` runs, then writes a PDF
    (then="pdf") or fails plainly (then="fail"); returns the file counting its runs."""
    runs = tmp_path / "runs"
    script = tmp_path / "soffice"
    script.write_text(f"""#!/bin/sh
echo run >> "{runs}"
if [ "$(wc -l < "{runs}")" -le {crashes} ]; then kill -ABRT $$; fi
if [ "{then}" = fail ]; then echo "Error: source file could not be loaded" >&2; exit 1; fi
while [ "$#" -gt 0 ]; do [ "$1" = --outdir ] && out="$2"; shift; done
printf '%%PDF-1.4 fake' > "$out/document.pdf"
""")
    script.chmod(0o755)
    monkeypatch.setattr(pdf, "soffice_path", lambda: str(script))
    return runs


def test_a_libreoffice_that_aborts_once_is_run_again_with_a_fresh_profile(tmp_path, monkeypatch):
    runs = _fake_soffice(tmp_path, monkeypatch, crashes=1)
    assert pdf.docx_to_pdf(b"PK", timeout=30) == b"%PDF-1.4 fake"
    assert runs.read_text().count("run") == 2


def test_a_libreoffice_that_keeps_aborting_fails_after_one_retry(tmp_path, monkeypatch):
    runs = _fake_soffice(tmp_path, monkeypatch, crashes=5)
    with pytest.raises(pdf.PdfCrashed, match="退出码"):
        pdf.docx_to_pdf(b"PK", timeout=30)
    assert runs.read_text().count("run") == 1 + pdf.CRASH_RETRIES


def test_an_ordinary_failure_is_not_retried(tmp_path, monkeypatch):
    runs = _fake_soffice(tmp_path, monkeypatch, crashes=0, then="fail")
    with pytest.raises(pdf.PdfFailed, match="could not be loaded") as caught:
        pdf.docx_to_pdf(b"PK", timeout=30)
    assert not isinstance(caught.value, pdf.PdfCrashed)
    assert runs.read_text().count("run") == 1


def _document(people, tree) -> Document:
    req = c.replied(people["clerk"], tree["dept"])
    ctx = context_for(req, Kind.REPLY, number="金东发改公复〔2026〕9号", verification_code="TASKTEST22")
    docx = render.render_docx(ctx)
    return Document.objects.create(
        kind=Kind.REPLY, request=req, unit=req.unit, number="金东发改公复〔2026〕9号", family="复", year=2026, seq=9,
        addressee="张三", dated_on=date(2026, 3, 20), docx=docx, docx_sha256=render.sha256(docx),
        issued_by=people["clerk"], issued_at=timezone.now(), verification_code="TASKTEST22",
    )


def test_the_task_records_why_there_is_no_pdf_and_a_retry_stores_it(people, city_tree, monkeypatch):
    document = _document(people, city_tree)
    with monkeypatch.context() as m:
        m.setattr(pdf.shutil, "which", lambda name: None)
        assert convert_document_pdf(document.pk) == "failed"
    document.refresh_from_db()
    assert document.pdf is None and "apt-get install" in document.pdf_error
    if not pdf.pdf_available() and not REQUIRED:
        pytest.skip("LibreOffice (soffice) is not installed")
    assert convert_document_pdf(document.pk) == "stored"
    document.refresh_from_db()
    assert document.pdf_sha256 == render.sha256(bytes(document.pdf)) and document.pdf_error == ""
    assert "验证码：TASKTEST22" in pdf_text(bytes(document.pdf))
    assert convert_document_pdf(document.pk) == "done"  # stored once, never converted again
    assert convert_document_pdf(10**9) == "missing"


@needs_soffice
def test_annual_report_pdf_comes_from_its_docx(db, tmp_path):
    from django.core.management import call_command
    from docx import Document as Docx

    from reporting import exports, narrative, services
    from tests.reporting.test_seed import load_seed_ledger

    doc = services.compile_report(load_seed_ledger(), 2019)
    data = exports.render_pdf(doc, narrative.Context())
    text = normalised(pdf_text(data))
    docx = Docx(io.BytesIO(exports.render_docx(doc, narrative.Context())))
    for paragraph in docx.paragraphs:
        assert normalised(paragraph.text) in text
    call_command("annual_report", "--year", "2019", "--format", "pdf", "-o", str(tmp_path / "r.pdf"))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF-")


def test_annual_report_pdf_without_libreoffice_is_a_message_not_a_traceback(db, monkeypatch, tmp_path):
    from django.core.management import CommandError, call_command

    from tests.reporting.test_seed import load_seed_ledger

    load_seed_ledger()
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(CommandError, match="apt-get install libreoffice-writer-nogui"):
        call_command("annual_report", "--year", "2019", "--format", "pdf", "-o", str(tmp_path / "r.pdf"))
    assert not (tmp_path / "r.pdf").exists()
