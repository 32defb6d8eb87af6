"""OpenAPI: the error shape, and every operation documented with the errors it can return."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="表格中的行号（表头为第1行）")
    column = serializers.CharField(help_text="文件中的列名")
    reason = serializers.CharField()


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="机器可读的错误代码，例如 invalid、not_found、invalid_transition。")
    message = serializers.CharField(help_text="给用户看的说明。")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="字段名 → 该字段的错误说明；嵌套字段以“.”连接。",
    )
    errors = RowErrorSerializer(many=True, required=False,
                                help_text="导入的文件有误时（code 为 ledger_invalid）：每一处错误。")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    "400": "输入有误（字段错误见 error.fields）。",
    "401": "未认证：缺少、无效、过期或已吊销的令牌。",
    "403": "无权进行此操作（例如督办人只读），或会话请求缺少 CSRF 令牌。",
    "404": "不存在，或属于您无权查看的单位。",
    "405": "不支持此方法。",
    "409": "状态冲突：当前状态下不能进行此操作，或申请已被他人修改（version 不符）。",
    "413": "请求内容或上传的文件过大。",
    "415": "不支持的请求内容类型。",
    "429": "请求过于频繁，请按 Retry-After 稍后重试。",
}


def error_responses(*codes: str) -> dict:
    return {int(code): OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


class AutoSchema(BaseAutoSchema):
    """Adds the error responses an operation can produce, so new endpoints are described too.

    A view may list extra codes in `error_codes` (e.g. {"post": ["409"]}) for its actions.
    """

    def _error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        method = self.method.lower()
        if "{" in self.path:
            codes.append("404")
        if method in ("post", "put", "patch"):
            codes += ["400", "413", "415"]
        elif method == "get" and self._is_list_view():
            codes.append("400")  # bad filter or cursor
        action = getattr(self.view, "action", None)
        extra = getattr(self.view, "error_codes", {})
        codes += extra.get(action, []) if action else extra.get(method, [])
        return sorted(set(codes))

    def map_parsers(self):
        """One request media type per operation: JSON, or multipart where a file is uploaded. The
        API also parses form posts, but a form cannot say null (a nullable date would arrive as the
        text "null"), so the schema offers clients only the encodings every field survives."""
        types = super().map_parsers()
        serializer = force_instance(self.get_request_serializer())
        fields = serializer.fields if isinstance(serializer, serializers.Serializer) else {}
        if any(isinstance(field, serializers.FileField) for field in fields.values()):
            return [t for t in types if t == "multipart/form-data"] or types
        return [t for t in types if t == "application/json"] or types

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                )
                responses[code]["description"] = ERROR_DESCRIPTIONS[code]
        return responses


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "令牌认证：`Authorization: Token <令牌>`，令牌由 POST /api/v1/auth/token/ 获取。",
        }
