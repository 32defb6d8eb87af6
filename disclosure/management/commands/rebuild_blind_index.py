"""python manage.py rebuild_blind_index — recompute the ID-number blind index (blindindex.py).

Run after changing GONGKAI_BLIND_INDEX_KEY (or SECRET_KEY while that key is unset): the stored
hashes were made with the old key and no longer match new registrations. Decrypts each number once.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from disclosure import blindindex
from disclosure.models import DisclosureRequest


class Command(BaseCommand):
    help = _("用当前的 GONGKAI_BLIND_INDEX_KEY 重新计算证件号码索引（更换密钥后运行）。")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size, **options):
        with transaction.atomic():
            written = blindindex.rebuild(DisclosureRequest, batch_size=max(1, batch_size))
        self.stdout.write(_("已更新 %(n)d 条申请的证件号码索引。") % {"n": written})
