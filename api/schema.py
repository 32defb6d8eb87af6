"""OpenAPI: the error shape, and every operation documented with the errors it can return."""

from __future__ import annotations

import re

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

    def get_filter_backends(self):
        # A viewset filters its `list` only (RequestViewSet.filter_queryset), not its list-like actions.
        if getattr(self.view, "action", "list") not in ("list", None):
            return []
        return super().get_filter_backends()

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (direction == "request" and isinstance(field, serializers.CharField) and "pattern" not in schema
                and schema.get("type") == "string"):
            # What DRF refuses beyond the lengths: a NUL character anywhere, and (it strips the text
            # first) a required text of spaces only, which it takes for blank.
            blank_ok = field.allow_blank or not field.trim_whitespace
            schema["pattern"] = r"^[^\x00]*$" if blank_ok else r"^[^\x00]*[^\s\x00][^\x00]*$"
        if getattr(field, "parent", None) is None:
            # A field of no serializer documents a query filter (api.filters.documented): its bounds
            # are added here, as _map_basic_serializer adds those of a serializer's fields.
            self._insert_field_validators(field, schema)
            if isinstance(field, serializers.ChoiceField) and not field.allow_blank:
                schema["minLength"] = 1  # as a serializer's choice field has it: empty is refused
        return schema

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


_DETAIL = re.compile(r"^/api/v1/(?P<kind>.+)/\{id\}/$")
_COLLECTION = re.compile(r"^/api/v1/(?P<kind>[a-z-]+(?:/[a-z-]+)?)/$")


def add_links(result, generator, request, public):
    """OpenAPI links (a postprocessing hook): wherever a response carries an object — a request, a
    consultation, a fee notice, … — each operation on that object (/api/v1/<kind>/{id}/…) is linked
    with its `id` taken from the response, so a client (and schemathesis' stateful phase) can
    follow a request from its registration through every workflow step."""
    paths = result.get("paths", {})
    components = result.get("components", {}).get("schemas", {})
    kind_of = {}  # component name -> kind, from the detail GET of each kind
    for path, operations in paths.items():
        match = _DETAIL.match(path)
        ref = _ref(_body_schema(operations.get("get", {}), "200"))
        if match and ref:
            kind_of.setdefault(ref, match["kind"])
    targets: dict[str, list[str]] = {}
    for path, operations in paths.items():
        for kind in set(kind_of.values()):
            if path.startswith(f"/api/v1/{kind}/{{id}}/"):
                targets.setdefault(kind, []).extend(
                    op["operationId"] for method, op in operations.items() if method != "delete")
    for path, operations in paths.items():
        collection = _COLLECTION.match(path)
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if not code.startswith("2"):
                    continue
                found = _object_in(_body_schema(operation, code), components)
                if found is None:
                    continue
                component, pointer = found
                kind = kind_of.get(component) or (collection["kind"] if collection else None)
                if kind not in targets:
                    continue
                response["links"] = {
                    target: {"operationId": target, "parameters": {"id": f"$response.body#{pointer}"},
                             "description": "用响应中对象的 id 调用该操作。"}
                    for target in targets[kind]
                }
    return result


def _body_schema(operation: dict, code: str) -> dict | None:
    content = operation.get("responses", {}).get(code, {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _ref(schema: dict | None) -> str | None:
    if schema and "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return None


def _object_in(schema: dict | None, components: dict) -> tuple[str, str] | None:
    """(component, JSON pointer of its id) of the object a response body carries, or the first
    one of a list or a page."""
    if not schema:
        return None
    if schema.get("type") == "array":
        ref = _ref(schema.get("items"))
        return (ref, "/0/id") if ref else None
    ref = _ref(schema)
    if ref is None:
        return None
    properties = components.get(ref, {}).get("properties", {})
    if "id" in properties:
        return ref, "/id"
    page = _ref(properties.get("results", {}).get("items"))
    return (page, "/results/0/id") if page else None
