"""文书 (letters.md) through the API: a request's issued documents and drafts, one draft or issued
letter as txt/DOCX/PDF, issuing (which takes the 文号), and an issued document's file.

Same roles and isolation as the request (access.py): another unit's request or document is 404,
issuing needs an acting role in the request's unit (supervisors: 403). A draft's PDF is converted
within the call with a time limit; without LibreOffice the answer is 503 saying what to install.
Every download of an issued document is an audit row and an event (documents.services).
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure.access import access_for
from disclosure.models import DisclosureRequest
from documents import services as letters
from documents.kinds import Kind
from documents.models import Document

from .exceptions import error_body
from .reports import AnyAcceptNegotiation
from .schema import ErrorSerializer, error_responses

TAGS = ["letters"]


KIND_HELP = "文书种类：" + "、".join(Kind.values)


class DocumentSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=KIND_HELP)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    issued_by = serializers.CharField(source="issued_by.get_username", read_only=True)
    replaces = serializers.PrimaryKeyRelatedField(read_only=True)
    pdf_state = serializers.ChoiceField(choices=["ready", "pending", "failed"], read_only=True,
                                        help_text="ready 已生成，pending 生成中，failed 失败（见 pdf_error）")
    target = serializers.SerializerMethodField(help_text="征求意见函、收费通知书所涉的征求意见或收费通知的编号")

    class Meta:
        model = Document
        fields = ("id", "kind", "kind_label", "number", "addressee", "dated_on", "issued_by", "issued_at",
                  "docx_sha256", "pdf_sha256", "pdf_state", "pdf_error", "replaces", "reissue_reason",
                  "verification_code", "target")
        read_only_fields = fields

    def get_target(self, obj) -> int | None:
        return obj.consultation_id or obj.fee_notice_id


class DraftSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KIND_HELP)
    label = serializers.CharField()
    target = serializers.IntegerField(allow_null=True, help_text="征求意见或收费通知的编号（其他文书为 null）")
    missing = serializers.ListField(child=serializers.CharField(), help_text="出具前须补全的内容（台账导入的申请）")
    can_issue = serializers.BooleanField()
    issued = serializers.IntegerField(allow_null=True, help_text="已出具（未被替代）的同类文书编号")


class LettersSerializer(serializers.Serializer):
    issued = DocumentSerializer(many=True)
    drafts = DraftSerializer(many=True)


class IssueInput(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="成文日期；默认为对应办理步骤的日期（答复书：答复日期）")
    target = serializers.IntegerField(required=False, help_text="征求意见函、收费通知书：所涉记录的编号；默认最近一条")
    replaces = serializers.IntegerField(required=False, help_text="重新出具时：被替代的文书编号")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="重新出具的理由")


FORMAT_PARAM = OpenApiParameter("format", str, enum=list(letters.FORMATS), description="txt（默认）、docx 或 pdf")
TARGET_PARAM = OpenApiParameter("target", int, description="征求意见函、收费通知书：所涉记录的编号；默认最近一条")
FILE_RESPONSES = {
    (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="文书文件（txt、DOCX 或 PDF）"),
    **error_responses("400", "404"),
    503: OpenApiResponse(ErrorSerializer,
                         description="无法生成 PDF（未安装 LibreOffice，或正在生成、生成失败）；说明见 error.message"),
}


def file_response(letter: letters.LetterFile) -> HttpResponse:
    response = HttpResponse(letter.data, content_type=letter.content_type)
    response["Content-Disposition"] = content_disposition_header(True, letter.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_unavailable(exc) -> Response:
    return Response(error_body("pdf_unavailable", exc.message), status=status.HTTP_503_SERVICE_UNAVAILABLE)


class LetterViewBase(APIView):
    content_negotiation_class = AnyAcceptNegotiation  # `format` names the file, not a DRF renderer

    @property
    def access(self):
        return access_for(self.request.user)

    def visible_request(self, pk) -> DisclosureRequest:
        return get_object_or_404(self.access.visible_requests(DisclosureRequest.objects.select_related("unit")), pk=pk)

    def kind(self, kind: str) -> str:
        if kind not in Kind.values:
            raise Http404
        return kind


class RequestLettersView(LetterViewBase):
    @extend_schema(operation_id="requests_letters_list", summary="申请的文书：已出具的文书和当前可生成的草稿",
                   responses=LettersSerializer, tags=TAGS)
    def get(self, request, pk):
        req = self.visible_request(pk)
        issued = Document.objects.filter(request=req).select_related("issued_by").order_by("issued_at", "pk")
        drafts = [
            {"kind": d.kind, "label": d.label, "target": getattr(d.target, "pk", None), "missing": d.missing,
             "can_issue": d.can_issue, "issued": d.issued.pk if d.issued else None}
            for d in letters.drafts_available(req)
        ]
        return Response({"issued": DocumentSerializer(issued, many=True).data, "drafts": drafts})


class LetterView(LetterViewBase):
    @extend_schema(operation_id="requests_letter_retrieve", summary="一种文书：已出具的（原样）或由记录生成的草稿",
                   parameters=[FORMAT_PARAM, TARGET_PARAM], responses=FILE_RESPONSES, tags=TAGS)
    def get(self, request, pk, kind):
        req = self.visible_request(pk)
        kind = self.kind(kind)
        fmt = letters.check_format(request.query_params.get("format"))
        target = letters.resolve_target(req, kind, request.query_params.get("target"))
        document = letters.live_document(req, kind, target)
        try:
            if document is not None:
                letter = letters.issued_file(document, fmt)
                letters.record_download(document, fmt, request=request)
            else:
                letter = letters.draft_file(req, kind, fmt, target=target)
        except letters.PdfNotAvailable as exc:
            return pdf_unavailable(exc)
        return file_response(letter)


class IssueLetterView(LetterViewBase):
    error_codes = {"post": ["409"]}

    @extend_schema(summary="出具文书（取文号、保存文件；PDF 由后台生成）", request=IssueInput,
                   responses={201: DocumentSerializer}, tags=TAGS)
    def post(self, request, pk, kind):
        req = self.visible_request(pk)
        kind = self.kind(kind)
        data = IssueInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        replaces = None
        if values.get("replaces") is not None:
            replaces = Document.objects.filter(request=req, pk=values["replaces"]).first()
            if replaces is None:
                raise serializers.ValidationError({"replaces": [_("该申请没有这份文书。")]})
        document = letters.issue_document(
            req, kind, actor=request.user, on=values.get("on"), target=values.get("target"),
            reason=values.get("reason", ""), replaces=replaces,
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


def visible_document(request, pk) -> Document:
    access = access_for(request.user)
    return get_object_or_404(
        Document.objects.select_related("request__unit").filter(access.unit_filter("request__unit__")), pk=pk
    )


class LetterFileView(LetterViewBase):
    @extend_schema(summary="已出具文书的文件（每次下载都记入审计日志）",
                   parameters=[OpenApiParameter("format", str, enum=["docx", "pdf"], description="docx（默认）或 pdf")],
                   responses=FILE_RESPONSES, tags=TAGS)
    def get(self, request, pk):
        document = visible_document(request, pk)
        fmt = letters.check_format(request.query_params.get("format") or "docx", ("docx", "pdf"))
        try:
            letter = letters.issued_file(document, fmt)
        except letters.PdfNotAvailable as exc:
            return pdf_unavailable(exc)
        letters.record_download(document, fmt, request=request)
        return file_response(letter)


class RetryPdfView(LetterViewBase):
    @extend_schema(summary="重新生成已出具文书的 PDF（生成失败时）", request=None,
                   responses={202: DocumentSerializer,
                              503: OpenApiResponse(ErrorSerializer, description="后台任务服务不可用")},
                   tags=TAGS)
    def post(self, request, pk):
        document = visible_document(request, pk)
        if not letters.retry_pdf(document, actor=request.user):
            return Response(error_body("broker_unavailable", _("后台任务服务暂不可用，请稍后重试。")),
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(DocumentSerializer(document).data, status=status.HTTP_202_ACCEPTED)
