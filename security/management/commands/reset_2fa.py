"""python manage.py reset_2fa USERNAME — remove a user's authenticator and recovery codes (lost phone); they set up
anew at the next login, and sessions verified with either stop being verified."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import audit
from security.models import AuditEntry


class Command(BaseCommand):
    help = _("删除某用户的身份验证器和备用验证码（手机丢失时）；该用户下次登录时重新设置双因素认证。")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户“%(name)s”不存在。") % {"name": username})
        with transaction.atomic():
            removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
            codes_removed = StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticToken", 0)
            audit.record(AuditEntry.Action.OTP_RESET, target=user, via="command",
                         detail={"reset": True, "devices_removed": removed, "recovery_codes_removed": codes_removed,
                                 "actor_name": "manage.py reset_2fa"})
        self.stdout.write(
            _("已删除 %(n)d 个身份验证器和 %(codes)d 个未使用的备用验证码；%(name)s 下次登录时需重新设置。")
            % {"n": removed, "codes": codes_removed, "name": username}
        )
