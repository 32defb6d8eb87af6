"""The ledger (ledger.md) through the API: GET ledger/export/ and POST ledger/import/, the same
functions as the commands and the admin's 导入台账 / 导出台账 pages (disclosure.ledger).

The export holds only the caller's visible requests (a unit outside them reads like an unknown one,
404), ID numbers and contacts in full only where the caller may reveal them, and is recorded in the
audit log; its JSON is write_json's list. Imports are for system admins (they do not check unit
permissions, as the commands do not): all or nothing, with every bad cell in `error.errors`. A file
over GONGKAI_LEDGER_INLINE_MAX_BYTES is imported by a worker: 202 and the job, GET ledger/imports/{id}/.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure import tasks
from disclosure.access import access_for
from disclosure.admin.access import has_any_role
from disclosure.ledger import (
    CONTENT_TYPES,
    DATE_KEYS,
    EXPORT_COLUMNS,
    EXPORT_YEARS,
    LedgerFileError,
    LedgerInvalid,
    jobs,
    ledger_download,
)
from disclosure.ledger.upload import ImportKind, UploadTooLarge
from disclosure.models import LedgerImport
from disclosure.workcalendar import load_work_calendar
from security import audit

from .exceptions import PayloadTooLarge, error_body
from .reports import AnyAcceptNegotiation

TAGS = ["ledger"]

# --- export ----------------------------------------------------------------------------------------


class LedgerExportQuery(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=EXPORT_YEARS[0], max_value=EXPORT_YEARS[1],
        help_text="该年收到的申请，以及此前收到、该年1月1日仍未办结的申请；默认全部年度",
    )
    unit = serializers.CharField(required=False, max_length=64,
                                 help_text="单位编码（含其下级单位中您可查看的）；默认为您可查看的全部单位")
    format = serializers.ChoiceField(choices=list(CONTENT_TYPES), default="csv", help_text="文件格式")
    headers = serializers.ChoiceField(choices=["zh", "en"], default="zh",
                                      help_text="CSV、XLSX 的表头：zh 中文表头，en 英文键（JSON 总以英文键为键名）")


def _row_field(key: str) -> serializers.Field:
    if key in DATE_KEYS or key == "due_on":
        return serializers.DateField(allow_null=True)
    if key in ("extension_days", "working_days_used"):
        return serializers.IntegerField(allow_null=True)
    if key in ("litigation_after_reconsideration", "due_is_provisional", "overdue"):
        return serializers.BooleanField(allow_null=True)
    return serializers.CharField(allow_null=True)


LedgerRowSerializer = type(
    "LedgerRowSerializer", (serializers.Serializer,),
    {"__doc__": "台账的一行（ledger.md）：英文键，日期为 YYYY-MM-DD，空值为 null，是/否为布尔值。",
     **{c.key: _row_field(c.key) for c in EXPORT_COLUMNS}},
)


class AnyRole(permissions.BasePermission):
    """Staff with a role somewhere (the admin's 导出台账 asks the same): an account without one has no
    ledger to export, and gets a refusal rather than an empty file."""

    message = gettext_lazy("您没有任何单位的岗位角色，无法导出台账。")

    def has_permission(self, request, view):
        return has_any_role(access_for(request.user))


class LedgerExportView(APIView):
    permission_classes = [permissions.IsAuthenticated, AnyRole]
    content_negotiation_class = AnyAcceptNegotiation  # `format` names the file, not a DRF renderer
    error_codes = {"get": ["400", "403", "404"]}

    @extend_schema(
        summary="导出台账（与 export_ledger 相同的列与计算列，只含您可查看的申请）", tags=TAGS,
        parameters=[LedgerExportQuery],
        responses={
            (200, CONTENT_TYPES["csv"].split(";")[0]): OpenApiResponse(
                OpenApiTypes.BINARY, description="CSV（UTF-8，带 BOM）"
            ),
            (200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX"),
            (200, CONTENT_TYPES["json"]): OpenApiResponse(LedgerRowSerializer(many=True),
                                                          description="与 `export_ledger --format json` 的输出相同"),
        },
    )
    def get(self, request):
        query = LedgerExportQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        access = access_for(request.user)
        unit = None
        if data.get("unit"):
            unit = access.visible_units().filter(code=data["unit"]).first()
            if unit is None:  # another unit's code reads like an unknown one
                raise NotFound(_("没有编码为“%(code)s”的可查看单位。") % {"code": data["unit"]})
        exported = ledger_download(access, year=data.get("year"), unit=unit, fmt=data["format"],
                                   headers=data["headers"], calendar=load_work_calendar(), today=timezone.localdate())
        audit.export("ledger", request=request, detail=exported.detail)
        response = StreamingHttpResponse(exported.chunks, content_type=exported.content_type)  # rows as they come
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


# --- import ----------------------------------------------------------------------------------------


class SystemAdminsOnly(permissions.BasePermission):
    message = gettext_lazy("只有系统管理员可以导入台账、单位和人员。")

    def has_permission(self, request, view):
        return access_for(request.user).is_admin


class LedgerImportInput(serializers.Serializer):
    file = serializers.FileField(help_text="CSV（UTF-8，可带 BOM）或 XLSX 文件，格式见 ledger.md")
    kind = serializers.ChoiceField(choices=ImportKind.choices, default=ImportKind.LEDGER,
                                   help_text="ledger 申请台账（默认），units 单位，staff 人员（新账号没有可用密码）")


class LedgerImportResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    created = serializers.IntegerField(help_text="新增")
    updated = serializers.IntegerField(help_text="更新")
    unchanged = serializers.IntegerField(help_text="未变")
    roles_added = serializers.IntegerField(allow_null=True, help_text="新增角色（仅人员文件；其他为 null）")
    message = serializers.CharField(help_text="与命令输出相同的说明")


class LedgerImportJobSerializer(serializers.ModelSerializer):
    """A background import (files over GONGKAI_LEDGER_INLINE_MAX_BYTES): poll it until `finished`."""

    url = serializers.SerializerMethodField()
    finished = serializers.BooleanField(read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="进度（0–100）")
    message = serializers.SerializerMethodField()

    class Meta:
        model = LedgerImport
        fields = ["id", "url", "kind", "file_name", "size", "status", "phase", "rows_done", "rows_total", "percent",
                  "finished", "created", "updated", "unchanged", "roles_added", "message", "errors",
                  "requested_at", "started_at", "finished_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_url(self, job) -> str:
        return reverse("api:v1:ledger-import-job", args=[job.pk])

    @extend_schema_field(serializers.CharField())
    def get_message(self, job) -> str:
        return jobs.result_message(job) if job.finished else ""


class LedgerImportView(APIView):
    permission_classes = [permissions.IsAuthenticated, SystemAdminsOnly]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="导入台账、单位或人员文件（系统管理员；全部行无误才导入）", tags=TAGS,
        request={"multipart/form-data": LedgerImportInput},
        responses={200: LedgerImportResultSerializer, 202: LedgerImportJobSerializer},
        description="文件有误时返回 400，`error.errors` 列出每一处错误（行、列、原因），不写入任何数据。"
                    "大于 GONGKAI_LEDGER_INLINE_MAX_BYTES（默认 1 MB）的文件在后台导入：返回 202 和导入任务，"
                    "`Location` 指向 `ledger/imports/{id}/`，轮询至 `finished` 为 true。",
    )
    def post(self, request):
        given = LedgerImportInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            imported = jobs.import_or_queue(data["kind"], data["file"], actor=request.user,
                                            queue=tasks.queue_ledger_import)
        except UploadTooLarge as exc:
            raise PayloadTooLarge(str(exc)) from exc
        except LedgerFileError as exc:
            raise serializers.ValidationError({"file": [str(exc)]}) from exc
        except LedgerInvalid as exc:
            body = error_body("ledger_invalid", _("未导入任何数据：发现 %(n)d 处错误。") % {"n": len(exc.errors)})
            body["error"]["errors"] = [{"row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]
            return Response(body, status=400)
        if isinstance(imported, LedgerImport):  # a large file: imported by a worker, polled here
            body = LedgerImportJobSerializer(imported).data
            return Response(body, status=202, headers={"Location": body["url"]})
        audit.imported(imported.kind, request=request, detail=imported.detail)
        return Response(LedgerImportResultSerializer(imported).data)


class LedgerImportJobView(APIView):
    permission_classes = [permissions.IsAuthenticated, SystemAdminsOnly]
    error_codes = {"get": ["404"]}

    @extend_schema(summary="后台导入任务的进度与结果（系统管理员）", tags=TAGS, responses=LedgerImportJobSerializer)
    def get(self, request, pk):
        job = LedgerImport.objects.filter(pk=pk).first()
        if job is None:
            raise NotFound(_("没有这个导入任务。"))
        return Response(LedgerImportJobSerializer(job).data)
