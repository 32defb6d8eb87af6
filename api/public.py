"""The public JSON intake (spec/portal.md): a provincial platform (一网通办) forwards applications, and
an applicant's app looks one up. /api/public/v1/…, no account, its own schema and tag ("public").

- POST applications/ → 201 {"tracking_code", "status": "submitted"}; a bad field → 400 naming it.
  Validated by the public form (public/forms.py: the staff side's ID and attachment checks, no markup
  in names) and then by disclosure.services.submit_application, so nothing differs from the page.
  With GONGKAI_PUBLIC_CAPTCHA on (the default) the caller needs an X-Api-Key listed in
  GONGKAI_PUBLIC_API_KEYS: a platform that has its own CAPTCHA or login. A key holder is not counted
  by the per-address submission limit (it forwards many applicants' applications from one address).
- POST applications/lookup/ with {tracking_code, phone} → 200 with the state in plain words, or the
  same 404 for every miss; 429 when throttled (GONGKAI_PUBLIC_RATE_LOOKUP, shared with the page).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from disclosure import services
from disclosure.models import ApplicantType, DeliveryMethod
from disclosure.services.intake import MAX_ADDRESS, MAX_CONTENT, MAX_NAME
from public.forms import PROVISION_FORMS, ApplicationForm
from public.throttles import PublicLookupThrottle, PublicSubmitThrottle

from .schema import ErrorSerializer

TAG = "public"


def has_valid_key(request) -> bool:
    given = request.headers.get("X-Api-Key", "")
    return bool(given) and any(
        hmac.compare_digest(given.encode(), key.encode()) for key in settings.GONGKAI_PUBLIC_API_KEYS
    )


class IntakeAllowed(permissions.BasePermission):
    message = _("本接口须提供有效的 X-Api-Key（GONGKAI_PUBLIC_API_KEYS）。")

    def has_permission(self, request, view):
        return not settings.GONGKAI_PUBLIC_CAPTCHA or has_valid_key(request)


class KeyHoldersUncounted(PublicSubmitThrottle):
    def allow_request(self, request, view):
        if has_valid_key(request):
            return True
        return super().allow_request(request, view)


class ApplicationSerializer(serializers.Serializer):
    unit = serializers.CharField(max_length=50, help_text="受理单位代码（GET /public/ 列出的单位）")
    applicant_type = serializers.ChoiceField(choices=ApplicantType.choices)
    applicant_name = serializers.CharField(max_length=MAX_NAME, help_text="不能包含“<”“>”")
    applicant_id_number = serializers.CharField(
        max_length=64, help_text="居民身份证号码按校验位检查；组织可填统一社会信用代码"
    )
    phone = serializers.CharField(max_length=24, help_text="手机或带区号的固定电话；查询时需要")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = serializers.CharField(max_length=MAX_ADDRESS, required=False, allow_blank=True)
    agent_name = serializers.CharField(max_length=MAX_NAME, required=False, allow_blank=True)
    agent_id_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    content = serializers.CharField(max_length=MAX_CONTENT, help_text="所需政府信息的名称、文号或其他特征性描述")
    provision_form = serializers.ChoiceField(choices=PROVISION_FORMS)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices,
                                              help_text="选择 email 时须填 email；选择 post 时须填 address")


class SubmittedSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(help_text="查询码：只返回这一次，系统只保存其摘要")
    status = serializers.ChoiceField(choices=["submitted"])


class LookupSerializer(serializers.Serializer):
    tracking_code = serializers.CharField(max_length=40)
    phone = serializers.CharField(max_length=24)


class LetterSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField()
    download_url = serializers.CharField(
        allow_null=True, help_text="网上领取或电子邮件送达时：以 POST 提交 tracking_code 和 phone 下载"
    )


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["submitted", "registered", "awaiting_correction", "handling", "extended",
                                              "replied", "concluded"])
    status_label = serializers.CharField(help_text="状态的通俗说明，例如“已提交待确认”“已延期至2026-04-01”")
    unit = serializers.CharField(help_text="受理单位名称")
    ref = serializers.CharField(allow_null=True, help_text="申请编号（确认收到后）")
    submitted_on = serializers.DateField()
    received_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    letters = LetterSerializer(many=True)


API_KEY = OpenApiParameter("X-Api-Key", str, OpenApiParameter.HEADER, required=False,
                           description="转递平台的接口密钥；GONGKAI_PUBLIC_CAPTCHA 开启时必须提供")


class _Public(APIView):
    authentication_classes: list = []  # no session, so no CSRF; nobody is signed in here
    permission_classes = [permissions.AllowAny]


class ApplicationsView(_Public):
    permission_classes = [IntakeAllowed]
    throttle_classes = [KeyHoldersUncounted]

    @extend_schema(
        tags=[TAG], summary="提交政府信息公开申请（网上申请，状态为已提交待确认）",
        operation_id="public_application_create",
        request=ApplicationSerializer, parameters=[API_KEY], auth=[],
        responses={201: SubmittedSerializer},
    )
    def post(self, request):
        incoming = ApplicationSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        form = ApplicationForm(data={**incoming.validated_data, "website": ""}, captcha=False)
        form.is_json = True
        if not form.is_valid():
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        req, code = services.submit_application(unit=form.cleaned_data["unit"], data=form.service_data())
        return Response({"tracking_code": code, "status": "submitted"}, status=status.HTTP_201_CREATED)


class LookupView(_Public):
    throttle_classes = [PublicLookupThrottle]

    @extend_schema(
        tags=[TAG], summary="查询办理进度（查询码和联系电话）", operation_id="public_application_lookup",
        request=LookupSerializer, auth=[],
        responses={200: StatusSerializer,
                   404: OpenApiResponse(
                       ErrorSerializer, description="查询码或电话不对、申请不存在或未予受理：一律同一个 404"
                   )},
    )
    def post(self, request):
        incoming = LookupSerializer(data=request.data)
        if not incoming.is_valid():
            raise exceptions.NotFound()  # malformed is a miss like any other
        req = services.lookup_application(**incoming.validated_data)
        if req is None:
            raise exceptions.NotFound()
        info = services.public_status(req)
        return Response(StatusSerializer(info).data)


class PublicSchemaView(SpectacularAPIView):
    """The public API's own schema, anonymous (the staff schema at /api/schema/ never is)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    patterns = None  # set below, once the routes exist
    custom_settings = {"SCHEMA_PATH_PREFIX": r"/api/public/v1", "TITLE": "Gongkai public API",
                       "DESCRIPTION": "政府信息公开网上申请：提交申请、查询办理进度（spec/portal.md）。"}


urlpatterns = [
    path("applications/", ApplicationsView.as_view(), name="applications"),
    path("applications/lookup/", LookupView.as_view(), name="lookup"),
]
PublicSchemaView.patterns = [path("api/public/v1/", include((list(urlpatterns), "public-v1")))]
urlpatterns.append(path("schema/", PublicSchemaView.as_view(), name="schema"))
