"""python manage.py reencrypt_fields — rewrite encrypted personal data under the first GONGKAI_FIELD_KEY.

After a key rotation (new key first in GONGKAI_FIELD_KEY, old key kept after it) run this, then
remove the old key. Rows still in plain text (written before encryption) are encrypted too.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from disclosure import blindindex
from disclosure.crypto import reencrypt
from disclosure.models import DisclosureRequest


class Command(BaseCommand):
    help = _("用 GONGKAI_FIELD_KEY 中的第一个密钥重新加密证件号码和联系方式（轮换密钥后运行）。")

    def handle(self, *args, **options):
        with transaction.atomic():
            written = reencrypt(DisclosureRequest)
            # the same pass over the numbers keeps their blind index in step (a number stored in plain
            # text before encryption may never have had one)
            indexed = blindindex.rebuild(DisclosureRequest)
        self.stdout.write(_("已重新加密 %(n)d 条申请。") % {"n": written})
        if indexed:
            self.stdout.write(_("已更新 %(n)d 条申请的证件号码索引。") % {"n": indexed})
