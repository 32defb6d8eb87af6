"""Units, requests and their records. Thin: translate input, call one service, serialize.

Isolation is access.py's: querysets come from access_for(user).visible_*(), so another unit's
objects are 404 (their existence is never revealed); acting needs access.can(action, unit), so
supervisors, who see their subtree, get 403 when they try to change anything.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from disclosure import applicants, services
from disclosure.access import ACTING_ROLES, access_for
from disclosure.downloads import MissingFile, attachment_response
from disclosure.models import Attachment, Consultation, DisclosureRequest, FeeNotice
from disclosure.workflow import Action
from documents import services as letter_services

from . import serializers as s
from .filters import RequestFilter
from .pagination import ReceivedKeysetPagination
from .uploads import check_upload

TRANSITION_ERRORS = ["409"]  # invalid transition, or a stale `version`


class AccessMixin:
    """Puts the user's Access and today's date (read once) into every serializer's context."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["access"] = access_for(self.request.user)
        context["today"] = timezone.localdate()
        return context

    @property
    def access(self):
        return access_for(self.request.user)

    def require(self, action: str, unit_id: int) -> None:
        if not self.access.can(action, unit_id):
            raise PermissionDenied(_("您没有在本单位进行“%(action)s”的权限。") % {"action": Action(action).label})


@extend_schema_view(
    list=extend_schema(summary="可见的单位", tags=["units"]),
    retrieve=extend_schema(summary="单位", tags=["units"]),
)
class UnitViewSet(AccessMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.UnitSerializer
    pagination_class = None
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return self.access.visible_units().order_by("path")


def _transition(action_name: str, service, input_serializer, *, url_path: str, summary: str):
    """One POST action per workflow arrow: its own input, one service call, the updated request."""

    def view(self, request, pk=None):
        req = self.get_object()
        self.require(action_name, req.unit_id)
        data = self.validated(input_serializer, request.data)
        version = data.pop("version", None)
        service(req, actor=request.user, expected_version=version, **data)
        return Response(self.detail_data(req.pk))

    view.__name__ = view.__qualname__ = url_path.replace("-", "_")
    view = action(detail=True, methods=["post"], url_path=url_path, serializer_class=input_serializer)(view)
    return extend_schema(summary=summary, request=input_serializer, responses=s.RequestDetailSerializer,
                         tags=["workflow"])(view)


@extend_schema_view(
    list=extend_schema(summary="申请列表（筛选、检索、游标分页）", tags=["requests"]),
    retrieve=extend_schema(summary="申请详情（含期限说明、剩余工作日）", tags=["requests"]),
    create=extend_schema(summary="登记申请", request=s.RequestCreateSerializer,
                         responses={201: s.RequestDetailSerializer}, tags=["requests"]),
    partial_update=extend_schema(summary="修改登记信息", request=s.RequestUpdateSerializer,
                                 responses=s.RequestDetailSerializer, tags=["requests"]),
)
class RequestViewSet(AccessMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filter_backends = [DjangoFilterBackend]  # RequestFilter; drf-spectacular documents its parameters
    filterset_class = RequestFilter
    pagination_class = ReceivedKeysetPagination
    lookup_value_regex = r"[0-9]+"
    error_codes = {
        **{name: TRANSITION_ERRORS for name in (
            "partial_update", "start_review", "request_correction", "record_correction", "accept", "assign",
            "consultations", "fee_notices", "approve_extension", "submit_legal_review", "submit_sign_off",
            "approve_legal_review",
            "return_for_revision", "reply", "conclude", "archive", "request_reasons", "set_delayed_reply",
            "record_reconsideration", "record_litigation", "confirm_receipt", "reject_submission",
        )},
        "attachments": ["413"],
        "fee_quote": ["400"],
    }

    def get_queryset(self):
        qs = DisclosureRequest.objects.select_related("unit", "handler")
        if self.action == "retrieve":
            qs = qs.prefetch_related("consultations", "fee_notices")
        return self.access.visible_requests(qs)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.RequestDetailSerializer
        if self.action == "create":
            return s.RequestCreateSerializer
        if self.action == "partial_update":
            return s.RequestUpdateSerializer
        return getattr(self, "serializer_class", None) or s.RequestListSerializer

    def validated(self, serializer_class, data, **kwargs) -> dict:
        serializer = serializer_class(data=data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def detail_data(self, pk: int) -> dict:
        req = self.access.visible_requests(
            DisclosureRequest.objects.select_related("unit", "handler").prefetch_related("consultations", "fee_notices")
        ).get(pk=pk)
        return s.RequestDetailSerializer(req, context=self.get_serializer_context()).data

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)  # RequestFilter, through DjangoFilterBackend

    def create(self, request):
        data = self.validated(s.RequestCreateSerializer, request.data)
        unit = data.pop("unit")
        self.require(Action.REGISTER, unit.pk)
        if data.get("received_on") is None:
            data.pop("received_on", None)
        req = services.register_request(actor=request.user, unit=unit, **data)
        return Response(self.detail_data(req.pk), status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        req = self.get_object()
        self.require(Action.EDIT, req.unit_id)
        data = self.validated(s.RequestUpdateSerializer, request.data, partial=True)
        version = data.pop("version", None)
        services.update_registration(req, actor=request.user, expected_version=version, **data)
        return Response(self.detail_data(req.pk))

    # --- workflow transitions -------------------------------------------------------------------
    # issue 10 (portal.md): the arrows out of 已提交待确认
    confirm_receipt = _transition(Action.CONFIRM_RECEIPT, services.confirm_receipt, s.ConfirmReceiptInput,
                                  url_path="confirm-receipt", summary="确认收到网上申请（条例第三十一条）")
    reject_submission = _transition(Action.REJECT_SUBMISSION, services.reject_submission, s.RejectSubmissionInput,
                                    url_path="reject-submission", summary="不予确认（非有效申请）")
    start_review = _transition(Action.START_REVIEW, services.start_review, s.NoInputSerializer,
                               url_path="start-review", summary="开始审核")
    request_correction = _transition(Action.REQUEST_CORRECTION, services.request_correction,
                                     s.RequestCorrectionInput, url_path="request-correction",
                                     summary="告知补正（条例第三十条）")
    record_correction = _transition(Action.RECORD_CORRECTION, services.record_correction, s.RecordCorrectionInput,
                                    url_path="record-correction", summary="收到补正")
    accept = _transition(Action.ACCEPT, services.accept, s.NoInputSerializer, url_path="accept",
                         summary="审核通过，进入办理")
    approve_extension = _transition(Action.APPROVE_EXTENSION, services.approve_extension, s.ExtensionInput,
                                    url_path="approve-extension", summary="批准延期答复（条例第三十三条）")
    submit_legal_review = _transition(Action.SUBMIT_FOR_LEGAL_REVIEW, services.submit_for_legal_review,
                                      s.LegalReviewInput, url_path="submit-legal-review", summary="提交法制审核")
    submit_sign_off = _transition(Action.SUBMIT_FOR_SIGN_OFF, services.submit_for_sign_off, s.LegalReviewInput,
                                  url_path="submit-sign-off", summary="提交签发（无需法制审核的答复）")
    approve_legal_review = _transition(Action.APPROVE_LEGAL_REVIEW, services.approve_legal_review, s.NoteInput,
                                       url_path="approve-legal-review", summary="法制审核通过")
    return_for_revision = _transition(Action.RETURN_FOR_REVISION, services.return_for_revision, s.RevisionNoteInput,
                                      url_path="return-for-revision", summary="退回修改")
    reply = _transition(Action.REPLY, letter_services.sign_reply, s.ReplyInput, url_path="reply",
                        summary="签发答复（条例第三十六、三十七条），同时出具答复书")
    conclude = _transition(Action.CONCLUDE, services.conclude, s.ConcludeInput, url_path="conclude",
                           summary="终止办理（视为放弃、撤回）")
    archive = _transition(Action.ARCHIVE, services.archive, s.ArchiveInput, url_path="archive", summary="归档")
    request_reasons = _transition(Action.REQUEST_REASONS, services.request_reasons, s.ReasonsRequestInput,
                                  url_path="request-reasons", summary="要求说明理由（条例第三十五条）")
    set_delayed_reply = _transition(Action.SET_DELAYED_REPLY, services.set_delayed_reply, s.DelayedReplyInput,
                                    url_path="set-delayed-reply", summary="确定延迟答复期限（条例第三十五条）")
    record_reconsideration = _transition(Action.RECORD_RECONSIDERATION, services.record_reconsideration,
                                         s.ProceedingInput, url_path="record-reconsideration",
                                         summary="登记行政复议（申请及结果）")
    record_litigation = _transition(Action.RECORD_LITIGATION, services.record_litigation, s.LitigationInput,
                                    url_path="record-litigation", summary="登记行政诉讼（起诉及结果）")

    @extend_schema(summary="指定经办人", request=s.AssignInput, responses=s.RequestDetailSerializer, tags=["workflow"])
    @action(detail=True, methods=["post"], url_path="assign", serializer_class=s.AssignInput)
    def assign(self, request, pk=None):
        req = self.get_object()
        self.require(Action.ASSIGN, req.unit_id)
        data = self.validated(s.AssignInput, request.data)
        # the admin's AssignForm offers the same people: active, holding an acting role in the unit
        handler = get_user_model().objects.filter(
            pk=data["handler"], is_active=True, roles__unit_id=req.unit_id, roles__role__in=ACTING_ROLES
        ).first()
        if handler is None:
            raise serializers.ValidationError({"handler": [_("经办人须为本单位在岗的工作人员。")]})
        services.assign_handler(req, actor=request.user, handler=handler, expected_version=data.get("version"))
        return Response(self.detail_data(req.pk))

    # --- records of a request ----------------------------------------------------------------------
    @extend_schema(summary="办理记录（只读）", responses=s.EventSerializer(many=True), tags=["requests"])
    @action(detail=True, methods=["get"], url_path="events", serializer_class=s.EventSerializer, pagination_class=None)
    def events(self, request, pk=None):
        req = self.get_object()
        rows = req.events.select_related("actor").order_by("at", "id")
        return Response(s.EventSerializer(rows, many=True).data)

    @extend_schema(methods=["get"], summary="征求意见列表", responses=s.ConsultationSerializer(many=True),
                   tags=["consultations"])
    @extend_schema(methods=["post"], summary="征求意见（条例第三十二、三十四条）", request=s.ConsultationInput,
                   responses={201: s.ConsultationSerializer}, tags=["consultations"])
    @action(detail=True, methods=["get", "post"], url_path="consultations", serializer_class=s.ConsultationInput,
            pagination_class=None)
    def consultations(self, request, pk=None):
        req = self.get_object()
        if request.method == "GET":
            return Response(s.ConsultationSerializer(req.consultations.all(), many=True).data)
        self.require(Action.START_CONSULTATION, req.unit_id)
        data = self.validated(s.ConsultationInput, request.data)
        version = data.pop("version", None)
        consultation = services.start_consultation(req, actor=request.user, expected_version=version, **data)
        return Response(s.ConsultationSerializer(consultation).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["get"], summary="收费通知列表", responses=s.FeeNoticeSerializer(many=True),
                   tags=["fee notices"])
    @extend_schema(methods=["post"], summary="发出收费通知（条例第四十二条）", request=s.FeeNoticeInput,
                   responses={201: s.FeeNoticeSerializer}, tags=["fee notices"])
    @action(detail=True, methods=["get", "post"], url_path="fee-notices", serializer_class=s.FeeNoticeInput,
            pagination_class=None)
    def fee_notices(self, request, pk=None):
        req = self.get_object()
        if request.method == "GET":
            return Response(s.FeeNoticeSerializer(req.fee_notices.all(), many=True).data)
        self.require(Action.ISSUE_FEE_NOTICE, req.unit_id)
        data = self.validated(s.FeeNoticeInput, request.data)
        version = data.pop("version", None)
        fee = services.issue_fee_notice(req, actor=request.user, expected_version=version, **data)
        return Response(s.FeeNoticeSerializer(fee).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="信息处理费计算（国办函〔2020〕109号）", responses=s.FeeQuoteSerializer, tags=["fee notices"],
        description="按件：该申请人（同一证件号码）当月向本单位提出的第几件申请（按收到日期、登记先后）；"
                    "给出 pages 则按量。2021年1月1日前收到的申请金额为 0 并在 basis 中说明。",
        parameters=[OpenApiParameter("pages", {"type": "integer", "minimum": 0, "maximum": 1_000_000},
                                     description="按量计收的页数；不填则按件计收"),
                    OpenApiParameter("method", str, enum=["per_item", "per_page"], description="计收方式（可省略）")],
    )
    @action(detail=True, methods=["get"], url_path="fee-quote", serializer_class=s.FeeQuoteSerializer,
            pagination_class=None)
    def fee_quote(self, request, pk=None):
        req = self.get_object()
        quote = applicants.fee_quote(req, pages=request.query_params.get("pages"),
                                     method=request.query_params.get("method") or None)
        return Response(quote.as_json())

    @extend_schema(methods=["get"], summary="附件列表", responses=s.AttachmentSerializer(many=True),
                   tags=["attachments"])
    @extend_schema(methods=["post"], summary="上传附件", request={"multipart/form-data": s.AttachmentUploadInput},
                   responses={201: s.AttachmentSerializer}, tags=["attachments"])
    @action(detail=True, methods=["get", "post"], url_path="attachments", serializer_class=s.AttachmentUploadInput,
            pagination_class=None)
    def attachments(self, request, pk=None):
        req = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(s.AttachmentSerializer(req.attachments.all(), many=True, context=context).data)
        if not self.access.can_act_on_unit(req.unit_id):  # as the admin's upload view decides
            raise PermissionDenied(_("您没有在本单位上传附件的权限。"))
        data = self.validated(s.AttachmentUploadInput, request.data)
        upload = data["file"]
        form = check_upload(upload, data["description"])
        attachment = services.add_attachment(
            req, actor=request.user, file=upload, name=form.safe_name, description=data["description"],
            content_type=form.content_type, extension=form.extension,
        )
        return Response(s.AttachmentSerializer(attachment, context=context).data, status=status.HTTP_201_CREATED)



class RequestChildViewSet(AccessMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Records that belong to a request: visible exactly when their request is."""

    model = None
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return self.model.objects.select_related("request").filter(self.access.unit_filter("request__unit__"))

    def validated(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@extend_schema_view(retrieve=extend_schema(summary="征求意见", tags=["consultations"]))
class ConsultationViewSet(RequestChildViewSet):
    model = Consultation
    serializer_class = s.ConsultationSerializer
    error_codes = {"reply": TRANSITION_ERRORS}

    @extend_schema(summary="记录征求意见答复", request=s.ConsultationReplyInput, responses=s.ConsultationSerializer,
                   tags=["consultations"])
    @action(detail=True, methods=["post"], url_path="reply", serializer_class=s.ConsultationReplyInput)
    def reply(self, request, pk=None):
        consultation = self.get_object()
        self.require(Action.RECORD_CONSULTATION_REPLY, consultation.request.unit_id)
        data = self.validated(s.ConsultationReplyInput, request.data)
        version = data.pop("version", None)
        services.record_consultation_reply(consultation, actor=request.user, expected_version=version, **data)
        return Response(s.ConsultationSerializer(consultation).data)


@extend_schema_view(retrieve=extend_schema(summary="收费通知", tags=["fee notices"]))
class FeeNoticeViewSet(RequestChildViewSet):
    model = FeeNotice
    serializer_class = s.FeeNoticeSerializer
    error_codes = {"pay": TRANSITION_ERRORS}

    @extend_schema(summary="记录缴费", request=s.FeePaymentInput, responses=s.FeeNoticeSerializer,
                   tags=["fee notices"])
    @action(detail=True, methods=["post"], url_path="pay", serializer_class=s.FeePaymentInput)
    def pay(self, request, pk=None):
        fee = self.get_object()
        self.require(Action.RECORD_FEE_PAYMENT, fee.request.unit_id)
        data = self.validated(s.FeePaymentInput, request.data)
        version = data.pop("version", None)
        services.record_fee_payment(fee, actor=request.user, expected_version=version, **data)
        return Response(s.FeeNoticeSerializer(fee).data)


@extend_schema_view(retrieve=extend_schema(summary="附件信息", tags=["attachments"]))
class AttachmentViewSet(RequestChildViewSet):
    model = Attachment
    serializer_class = s.AttachmentSerializer

    @extend_schema(
        summary="下载附件（作为附件下载，nosniff）",
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="文件内容，类型为上传时识别的类型")},
        tags=["attachments"],
    )
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            return attachment_response(attachment, request=request)
        except MissingFile:
            raise NotFound(_("附件文件已不存在。")) from None
