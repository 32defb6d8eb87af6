"""Token authentication against hashed tokens: `Authorization: Token <key>` (or `Bearer <key>`)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, hash_token

KEYWORDS = ("token", "bearer")
# Write last_used_at at most this often per token, not on every request.
TOUCH_INTERVAL = timedelta(minutes=5)


class HashedTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        try:
            parts = authentication.get_authorization_header(request).split()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("令牌格式错误。")) from None
        if not parts or parts[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误：应为“Token <令牌>”。"))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("令牌格式错误。")) from None
        now = timezone.now()
        token = ApiToken.objects.usable(now).select_related("user").filter(key_hash=hash_token(raw)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效、已过期或已被吊销。"))
        if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
