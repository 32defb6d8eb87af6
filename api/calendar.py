"""The working-day calendar: everyone reads it; system admins change it, and every change
recomputes the stored deadlines of all open requests (disclosure.tasks.recompute_after_calendar_edit)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from disclosure.deadlines import CalendarError
from disclosure.models import CalendarDay, CalendarYear
from disclosure.tasks import recompute_after_calendar_edit

from .permissions import AdminWritesOnly
from .serializers import CalendarDaySerializer, CalendarYearSerializer


class YearFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100, help_text="只列出该年度")


class RecomputingViewSet(viewsets.ModelViewSet):
    permission_classes = [IsAuthenticated, AdminWritesOnly]
    pagination_class = None
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def changing_the_calendar(self, change) -> None:
        """The edit and the recomputed deadlines commit together (as in the admin); more than a few
        thousand open requests are recomputed on a worker after the commit. A calendar left with
        no working days where a deadline needs them is refused, nothing saved — a 400, not a 500."""
        try:
            with transaction.atomic():
                change()
                recompute_after_calendar_edit()
        except CalendarError:
            raise serializers.ValidationError(
                _("按修改后的日历，部分申请在十年内找不到足够的工作日，无法计算答复期限；本次修改未保存，请检查日历。")
            ) from None

    def perform_create(self, serializer):
        self.changing_the_calendar(serializer.save)

    def perform_update(self, serializer):
        self.changing_the_calendar(serializer.save)

    def perform_destroy(self, instance):
        self.changing_the_calendar(instance.delete)


TAGS = ["calendar"]


@extend_schema_view(
    list=extend_schema(summary="节假日与调休", tags=TAGS,
                       parameters=[YearFilter]),
    retrieve=extend_schema(summary="节假日或调休日", tags=TAGS),
    create=extend_schema(summary="新增节假日或调休日（系统管理员；重算期限）", tags=TAGS),
    update=extend_schema(summary="修改（系统管理员；重算期限）", tags=TAGS),
    partial_update=extend_schema(summary="修改（系统管理员；重算期限）", tags=TAGS),
    destroy=extend_schema(summary="删除（系统管理员；重算期限）", tags=TAGS),
)
class CalendarDayViewSet(RecomputingViewSet):
    serializer_class = CalendarDaySerializer

    def get_queryset(self):
        qs = CalendarDay.objects.order_by("date")
        if self.action == "list":
            filters = YearFilter(data=self.request.query_params.dict())
            filters.is_valid(raise_exception=True)
            year = filters.validated_data.get("year")
            if year:
                qs = qs.filter(date__year=year)
        return qs


@extend_schema_view(
    list=extend_schema(summary="已载入放假安排的年度", tags=TAGS),
    retrieve=extend_schema(summary="年度", tags=TAGS),
    create=extend_schema(summary="标记年度已载入（系统管理员；重算期限）", tags=TAGS),
    update=extend_schema(summary="修改（系统管理员；重算期限）", tags=TAGS),
    partial_update=extend_schema(summary="修改（系统管理员；重算期限）", tags=TAGS),
    destroy=extend_schema(summary="删除（系统管理员；重算期限）", tags=TAGS),
)
class CalendarYearViewSet(RecomputingViewSet):
    serializer_class = CalendarYearSerializer
    queryset = CalendarYear.objects.order_by("year")
