"""POST /api/v1/auth/token/ exchanges a username and password for a token; DELETE revokes it."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from security import audit, twofactor
from security.models import AuditEntry

from .models import ApiToken
from .serializers import TokenObtainInput, TokenSerializer
from .throttling import TokenObtainThrottle


def _revoke(request) -> Response:
    token = request.auth
    if not isinstance(token, ApiToken):
        raise serializers.ValidationError(
            {"non_field_errors": [_("本次请求不是用令牌认证的，没有可吊销的令牌。")]}
        )
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return Response(status=status.HTTP_204_NO_CONTENT)


class TokenView(APIView):
    throttle_classes = [TokenObtainThrottle]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        summary="用用户名和密码换取接口令牌",
        request=TokenObtainInput,
        responses={201: TokenSerializer},
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None or not user.is_active:
            # the same answer for an unknown user, a wrong password and a disabled account
            raise serializers.ValidationError({"non_field_errors": [_("用户名或密码不正确。")]})
        # admins and heads: a TOTP code or a recovery code too
        otp_error = twofactor.api_token_error(user, data.validated_data["otp"], request=request)
        if otp_error:
            raise serializers.ValidationError({"otp": [otp_error]})
        token, raw = ApiToken.issue(user, name=data.validated_data["name"])
        audit.record(AuditEntry.Action.TOKEN, request=request, user=user, detail={"prefix": token.prefix})
        body = TokenSerializer({"token": raw, "prefix": token.prefix, "expires_at": token.expires_at}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(summary="吊销本次请求所用的令牌", request=None,
                   responses={204: OpenApiResponse(description="已吊销")}, tags=["auth"])
    def delete(self, request):
        return _revoke(request)


class TokenRevokeView(APIView):
    throttle_classes = [TokenObtainThrottle]
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="吊销本次请求所用的令牌（等同于 DELETE /api/v1/auth/token/）", request=None,
                   responses={204: OpenApiResponse(description="已吊销")}, tags=["auth"])
    def post(self, request):
        return _revoke(request)
