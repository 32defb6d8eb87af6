"""annual_report --year Y [--unit CODE] [--format json|csv|…] [--edition 2019|2021] [-o PATH] (ledger.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from disclosure.models import Unit
from documents.pdf import PdfFailed, PdfUnavailable
from reporting import services
from reporting import tables as t
from reporting.exports import RENDERERS, render_csv, render_json

__all__ = ["Command", "render_csv", "render_json", "renderers"]  # render_*: imported from here before exports


def renderers() -> dict:
    """Format → renderer(doc) -> bytes (reporting.exports.RENDERERS)."""
    return dict(RENDERERS)


class Command(BaseCommand):
    help = "编制政府信息公开工作年度报告（表二、表三、表四及检查结果）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="报告年度")
        parser.add_argument("--unit", help="单位编码（默认：层级的根单位），含其下所有单位")
        parser.add_argument(
            "--format", default="json", help="输出格式：json、csv（xlsx、docx、html、pdf 由导出模块提供）"
        )
        parser.add_argument(
            "--edition", choices=t.EDITIONS, help="格式版本（默认按年度：2019–2020年为2019版，2021年起为2021版）"
        )
        parser.add_argument("-o", "--output", help="输出文件（默认：标准输出）")

    def handle(self, *args, year, unit, format, edition, output, **options):
        available = renderers()
        if format not in available:
            raise CommandError(
                f"不支持的输出格式“{format}”，可用：{', '.join(sorted(available))}。", returncode=2
            )
        if unit:
            target = Unit.objects.filter(code=unit).first()
            if target is None:
                raise CommandError(f"--unit：没有编码为“{unit}”的单位。", returncode=2)
        else:
            roots = list(Unit.objects.filter(parent__isnull=True).order_by("path")[:2])
            if not roots:
                raise CommandError("还没有任何单位，请先导入单位（import_units）。", returncode=2)
            if len(roots) > 1:
                raise CommandError("有多个根单位，请用 --unit 指定单位编码。", returncode=2)
            target = roots[0]
        if year > 9998:
            raise CommandError(f"--year：{year} 不是有效的报告年度。", returncode=2)
        try:
            doc = services.compile_report(target, year, edition)
        except t.UnsupportedYear as exc:
            raise CommandError(f"--year：{exc}", returncode=2) from exc
        try:
            data = available[format](doc)
        except (PdfUnavailable, PdfFailed) as exc:  # pdf without LibreOffice, or a failed conversion
            raise CommandError(str(exc)) from exc
        if output:
            with open(output, "wb") as fh:
                fh.write(data)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise CommandError(f"“{format}”是二进制格式，请用 -o 指定输出文件。", returncode=2) from None
            self.stdout.write(text, ending="")
