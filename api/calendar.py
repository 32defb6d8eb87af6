"""The working-day calendar: everyone reads it; system admins change it, and every change
recomputes the stored deadlines of all open requests (services.recompute_open_deadlines)."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from disclosure import services
from disclosure.models import CalendarDay, CalendarYear

from .permissions import AdminWritesOnly
from .serializers import CalendarDaySerializer, CalendarYearSerializer


class YearFilter(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)


class RecomputingViewSet(viewsets.ModelViewSet):
    permission_classes = [IsAuthenticated, AdminWritesOnly]
    pagination_class = None
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()
            services.recompute_open_deadlines()

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()
            services.recompute_open_deadlines()

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()
            services.recompute_open_deadlines()


TAGS = ["calendar"]


@extend_schema_view(
    list=extend_schema(summary="节假日与调休", tags=TAGS,
                       parameters=[OpenApiParameter("year", int, description="只列出该年度")]),
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
