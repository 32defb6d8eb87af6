"""render_letter (letters.md): the issued document of a kind for a request, else its draft from the record."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from disclosure.models import DisclosureRequest, Unit
from disclosure.workflow import WorkflowError
from documents import services
from documents.kinds import Kind


class Command(BaseCommand):
    help = "输出一份文书：已出具的（原样）或由申请记录生成的草稿；默认以 txt 输出到标准输出。"

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="受理单位编码")
        parser.add_argument("--ref", required=True, help="申请编号")
        parser.add_argument("--kind", required=True, help="文书种类：" + "、".join(Kind.values))
        parser.add_argument("--format", default="txt", choices=services.FORMATS, help="txt（默认）、docx 或 pdf")
        parser.add_argument("-o", "--output", help="输出文件；省略则写到标准输出")

    def handle(self, *args, unit, ref, kind, format, output, **options):
        found = Unit.objects.filter(code__iexact=unit).first()
        if found is None:
            raise CommandError(f"没有单位编码为“{unit}”的单位。")
        req = DisclosureRequest.objects.select_related("unit").filter(unit=found, ref=ref).first()
        if req is None:
            raise CommandError(f"单位“{found.code}”没有申请编号为“{ref}”的申请。")
        if kind not in Kind.values:
            raise CommandError(f"没有“{kind}”这种文书（可用：{'、'.join(Kind.values)}）。")
        try:
            document = services.live_document(req, kind, services.resolve_target(req, kind))
            if document is None:
                letter = services.draft_file(req, kind, format)
            elif format == "pdf" and not document.pdf_sha256:
                # not converted yet: the PDF of the stored DOCX, made here (the same bytes the worker converts)
                letter = services.LetterFile(services.to_pdf(bytes(document.docx)), services.CONTENT_TYPES["pdf"], "")
            else:
                letter = services.issued_file(document, format)
        except WorkflowError as exc:
            raise CommandError(str(exc.message)) from None
        if document is not None:
            services.record_download(document, format)
        if output:
            Path(output).write_bytes(letter.data)
            self.stderr.write(f"已写入 {output}（{'已出具：' + document.number if document else '草稿'}）")
            return
        if format == "txt":
            self.stdout.write(letter.data.decode("utf-8"), ending="")
            return
        buffer = getattr(self.stdout._out, "buffer", None) or getattr(sys.stdout, "buffer", None)
        if buffer is None:
            raise CommandError("DOCX、PDF 请用 -o 指定输出文件。")
        buffer.write(letter.data)
        buffer.flush()
