"""python manage.py fee_quote --unit CODE --ref REF [--pages N] — the 109号 fee of one request (fees.md).

Prints one JSON object: {"method", "ordinal" (按件) or "pages" (按量), "amount" (元), "basis"}.
Exit 1 with a message for an unknown unit or request, or pages that are no page count.
"""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from disclosure import fees
from disclosure.applicants import fee_quote
from disclosure.models import DisclosureRequest, Unit


class Command(BaseCommand):
    help = _("按国办函〔2020〕109号计算一件申请的信息处理费（按件；给出 --pages 则按量），输出 JSON。")

    def add_arguments(self, parser):
        parser.add_argument("--unit", metavar="CODE", required=True, help=_("受理单位编码"))
        parser.add_argument("--ref", metavar="REF", required=True, help=_("申请编号"))
        parser.add_argument("--pages", metavar="N", help=_("按量计收：提供的页数"))
        parser.add_argument("--method", choices=fees.METHODS, help=_("计收方式（可省略：给出页数即按量）"))

    def handle(self, *args, unit, ref, pages, method, **options):
        found = Unit.objects.filter(code__iexact=unit.strip()).first()
        if found is None:
            raise CommandError(_("单位编码“%(code)s”不存在。") % {"code": unit})
        req = DisclosureRequest.objects.filter(unit=found, ref=ref.strip()).first()
        if req is None:
            raise CommandError(_("单位“%(unit)s”没有编号为“%(ref)s”的申请。") % {"unit": found.code, "ref": ref})
        try:
            quote = fee_quote(req, pages=pages, method=method)
        except fees.FeeInputError as exc:
            raise CommandError(str(exc.message)) from None
        if req.received_on < fees.IN_FORCE:
            self.stderr.write(quote.basis)
        self.stdout.write(json.dumps(quote.as_json(), ensure_ascii=False))
