"""The annual report through the API: its JSON document, its files, publishing and revising, a
district's overview and the periodic statistics. Thin: validate the query, pick the unit among those
disclosure.access lets the user see (another unit is a 404), call reporting.services.

The JSON is the very bytes of `annual_report --format json` (same compile, same renderer); files are
the admin's renderers and every fetch is recorded as an export in the audit log, as the admin's
download is. Publishing follows the admin's rule (the unit's head, or an administrator).
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from disclosure.access import access_for
from disclosure.periods import Period
from reporting import narrative, periodic, services
from reporting import tables as t
from reporting.exports import CONTENT_TYPES, RENDERERS, render_json
from reporting.permissions import may_publish
from security import audit

from .exceptions import error_body

FILE_FORMATS = ("xlsx", "docx", "csv", "html")
FIGURES_HEADER = "Gongkai-Figures"


# --- Input -------------------------------------------------------------------------------------------


def report_year(help_text: str) -> serializers.IntegerField:
    """2019 to this year: the schema, generated per request like this field, says the same."""
    return serializers.IntegerField(
        min_value=t.FIRST_YEAR, max_value=timezone.localdate().year, help_text=help_text,
        error_messages={"max_value": gettext_lazy("报告年度不能晚于今年（{max_value}年）。")},
    )


class ReportYearMixin(serializers.Serializer):
    year_help = "报告年度（2019年起，至今年）"

    def get_fields(self):
        fields = super().get_fields()
        fields["year"] = report_year(self.year_help)
        return fields


class UnitYearQuery(ReportYearMixin):
    unit = serializers.CharField(required=False, max_length=64,
                                 help_text="单位编码（含其下所有单位）；默认为您可查看的第一个（最上级）单位")
    edition = serializers.ChoiceField(choices=t.EDITIONS, required=False,
                                      help_text="格式版本；默认按年度（2019–2020年2019版，2021年起2021版）")


class AnnualQuery(UnitYearQuery):
    figures = serializers.ChoiceField(
        choices=[("live", "live"), ("published", "published")], required=False,
        help_text="published：已发布（固定）的数据；live：按当前数据编制。默认：已发布则为发布的数据，否则为当前数据。",
    )


class FileQuery(AnnualQuery):
    format = serializers.ChoiceField(choices=[(f, f) for f in FILE_FORMATS], help_text="文件格式")


class PublishInput(ReportYearMixin):
    unit = serializers.CharField(max_length=64, help_text="单位编码")
    edition = serializers.ChoiceField(choices=t.EDITIONS, required=False, help_text="格式版本（默认按年度）")


class ReviseInput(PublishInput):
    reason = serializers.CharField(max_length=2000, help_text="修订理由（必填）",
                                   error_messages={"blank": gettext_lazy("修订年度报告须填写修订理由。")})


class PeriodQuery(serializers.Serializer):
    unit = serializers.CharField(required=False, max_length=64, help_text="单位编码；默认为您可查看的第一个单位")
    start = serializers.DateField(help_text="起始日期（含）")
    end = serializers.DateField(help_text="截止日期（含）")

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("截止日期不能早于起始日期。")]})
        return data


# --- Output (for the schema; the annual document itself is annual-report.md's) ------------------------


class ReportUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(required=False)


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField()
    level = serializers.CharField()
    ok = serializers.BooleanField()
    message = serializers.CharField()


class AnnualDocumentSerializer(serializers.Serializer):
    """annual-report.md's JSON document (shared/spec/annual-report.md)."""

    year = serializers.IntegerField()
    edition = serializers.ChoiceField(choices=t.EDITIONS)
    unit = ReportUnitSerializer()
    table3 = serializers.JSONField(help_text="表三：columns 与 rows（行代码 → 各列数字）")
    table4 = serializers.JSONField(help_text="表四：行政复议、行政诉讼")
    table2 = serializers.JSONField(help_text="表二：主动公开情况")
    breakdowns = serializers.JSONField()
    checks = serializers.ListField(child=serializers.JSONField())


class PublishedSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    year = serializers.IntegerField()
    edition = serializers.CharField()
    revision = serializers.IntegerField(help_text="0 为首次发布，n 为第 n 次修订")
    reason = serializers.CharField(allow_blank=True)
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_null=True, source="published_by.get_username", default=None)


class OverviewPublishedSerializer(serializers.Serializer):
    revision = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(allow_blank=True)


class OverviewMemberSerializer(serializers.Serializer):
    unit = ReportUnitSerializer()
    is_self = serializers.BooleanField(help_text="true：本单位自身办理的申请（不含下级单位）")
    table3 = serializers.JSONField()
    table4 = serializers.JSONField()
    checks = CheckSerializer(many=True)
    has_errors = serializers.BooleanField()
    imported = serializers.ListField(child=serializers.CharField(), help_text="其中导入的下级单位报告")
    published = OverviewPublishedSerializer(allow_null=True)


class PeriodFiguresSerializer(serializers.Serializer):
    new = serializers.IntegerField(help_text="新收")
    concluded = serializers.IntegerField(help_text="办结")
    open = serializers.IntegerField(help_text="截止日期未办结")
    overdue = serializers.IntegerField(help_text="截止日期已超期未办结")
    on_time = serializers.IntegerField(help_text="按期办结")

    def get_fields(self):
        fields = super().get_fields()
        for code, label in narrative.OUTCOME_GROUPS:
            fields[code] = serializers.IntegerField(help_text=str(label))
        return fields


class PeriodRowSerializer(serializers.Serializer):
    unit = ReportUnitSerializer(allow_null=True, help_text="null：合计行")
    is_self = serializers.BooleanField()
    figures = PeriodFiguresSerializer()
    on_time_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True,
                                            help_text="按期办结率（%），无办结时为 null")


# --- Views -------------------------------------------------------------------------------------------


class AnyAcceptNegotiation(BaseContentNegotiation):
    """Reports answer in JSON or with the file asked for, whatever the Accept header says (errors
    come as JSON); a `format` query parameter names the file, never one of DRF's renderers."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _figures_header(description):
    return OpenApiParameter(FIGURES_HEADER, str, OpenApiParameter.HEADER, response=[200], required=True,
                            enum=["live", "published"], description=description)


FIGURES_DOC = "返回的数据：published（已发布的固定数据）或 live（按当前数据编制）。"


class ReportViewSet(viewsets.GenericViewSet):
    """单位以单位编码（查询参数或请求体中的 unit）指定，含其下所有单位；无权查看的单位与不存在的单位一样返回 404。"""

    pagination_class = None
    serializer_class = AnnualQuery
    content_negotiation_class = AnyAcceptNegotiation
    error_codes = {
        "annual": ["400", "404"], "annual_file": ["400", "404"], "overview": ["400", "404"],
        "statistics": ["400", "404"], "publish": ["404", "409"], "revise": ["404", "409"],
    }

    @property
    def access(self):
        return access_for(self.request.user)

    def _input(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _unit(self, code: str | None):
        """A unit the user may see, by code (another unit's code reads like an unknown one)."""
        units = self.access.visible_units().order_by("path")
        unit = units.filter(code=code).first() if code else units.first()
        if unit is None:
            raise NotFound(
                _("没有编码为“%(code)s”的可查看单位。") % {"code": code} if code else _("没有可查看的单位。")
            )
        return unit

    def _document(self, data):
        """(unit, doc, figures): the published figures unless live ones are asked for, as the admin's download."""
        unit = self._unit(data.get("unit"))
        published = services.published_report(unit, data["year"])
        wanted = data.get("figures")
        if wanted == "published" and published is None:
            raise NotFound(_("%(unit)s %(year)s年度报告尚未发布。") % {"unit": unit, "year": data["year"]})
        if published is not None and wanted != "live":
            return unit, published.figures, "published"
        try:
            doc = services.compile_report(unit, data["year"], data.get("edition"))
        except t.UnsupportedYear as exc:
            raise serializers.ValidationError({"year": [str(exc)]}) from exc
        return unit, doc, "live"

    def _audit(self, unit, year, fmt, figures):
        audit.export("report", request=self.request,
                     detail={"unit": unit.code, "year": year, "format": fmt, "figures": figures})

    @extend_schema(
        summary="年度报告（annual-report.md 的 JSON 文档）", tags=["reports"],
        parameters=[AnnualQuery, _figures_header(FIGURES_DOC)],
        responses={200: OpenApiResponse(AnnualDocumentSerializer,
                                        description="与 `annual_report --format json` 的输出相同"
                                        "（已发布时默认返回发布的数据）。")},
    )
    @action(detail=False, methods=["get"], url_path="annual")
    def annual(self, request):
        data = self._input(AnnualQuery, request.query_params.dict())
        unit, doc, figures = self._document(data)
        self._audit(unit, data["year"], "json", figures)
        response = HttpResponse(render_json(doc), content_type=CONTENT_TYPES["json"])
        response[FIGURES_HEADER] = figures
        return response

    @extend_schema(
        summary="下载年度报告文件（XLSX、DOCX、CSV、HTML）", tags=["reports"],
        parameters=[FileQuery, _figures_header(FIGURES_DOC)],
        responses={
            (200, CONTENT_TYPES[fmt].split(";")[0]): OpenApiResponse(
                OpenApiTypes.BINARY, description="报告文件，类型由 format 决定（作为附件下载）"
            )
            for fmt in FILE_FORMATS
        },
    )
    @action(detail=False, methods=["get"], url_path="annual/file")
    def annual_file(self, request):
        data = self._input(FileQuery, request.query_params.dict())
        fmt = data["format"]
        unit, doc, figures = self._document(data)
        render = RENDERERS[fmt]
        content = render(doc, narrative.report_context(unit, doc)) if fmt in ("docx", "html") else render(doc)
        self._audit(unit, data["year"], fmt, figures)
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{unit.code}-{data["year"]}-annual-report.{fmt}"'
        response["X-Content-Type-Options"] = "nosniff"
        response[FIGURES_HEADER] = figures
        return response

    def _publishing(self, request, serializer_class):
        data = self._input(serializer_class, request.data)
        unit = self._unit(data["unit"])
        if not may_publish(self.access, unit):  # the admin report page's rule
            raise PermissionDenied(_("只有本单位负责人或系统管理员可以发布、修订年度报告。"))
        return unit, data

    def _refused(self, exc: services.ReportError) -> Response:
        """Failing checks name themselves in fields.checks; any other refusal (already published, not
        yet published, a concurrent revision) is a conflict with the report's current state."""
        failed = [c["message"] for c in exc.checks if not c.get("ok", True)]
        body = error_body("report_checks_failed" if failed else "conflict", exc.message,
                          {"checks": failed} if failed else None)
        return Response(body, status=status.HTTP_409_CONFLICT)

    @extend_schema(summary="发布年度报告（固定数据；须通过全部检查）", tags=["reports"], request=PublishInput,
                   responses={201: PublishedSerializer})
    @action(detail=False, methods=["post"], url_path="annual/publish", serializer_class=PublishInput)
    def publish(self, request):
        unit, data = self._publishing(request, PublishInput)
        try:
            report = services.publish_report(unit, data["year"], actor=request.user, edition=data.get("edition"))
        except services.ReportError as exc:
            return self._refused(exc)
        return Response(PublishedSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="修订已发布的年度报告（说明理由；原版本保留）", tags=["reports"], request=ReviseInput,
                   responses={201: PublishedSerializer})
    @action(detail=False, methods=["post"], url_path="annual/revise", serializer_class=ReviseInput)
    def revise(self, request):
        unit, data = self._publishing(request, ReviseInput)
        try:
            report = services.revise_report(unit, data["year"], actor=request.user, reason=data["reason"],
                                            edition=data.get("edition"))
        except services.ReportError as exc:
            return self._refused(exc)
        return Response(PublishedSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="下级单位年度报告汇总（数据、检查结果、是否已发布）", tags=["reports"],
                   parameters=[UnitYearQuery], responses=OverviewMemberSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="overview")
    def overview(self, request):
        data = self._input(UnitYearQuery, request.query_params.dict())
        unit = self._unit(data.get("unit"))
        members = services.overview(unit, data["year"], data.get("edition"))
        return Response(OverviewMemberSerializer(members, many=True).data)

    @extend_schema(summary="依申请公开统计（任意时段，本单位及各下级单位、合计）", tags=["reports"],
                   parameters=[PeriodQuery], responses=PeriodRowSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="statistics")
    def statistics(self, request):
        data = self._input(PeriodQuery, request.query_params.dict())
        unit = self._unit(data.get("unit"))
        rows = periodic.period_statistics(unit, Period.between(data["start"], data["end"]))
        return Response(PeriodRowSerializer(rows, many=True).data)
