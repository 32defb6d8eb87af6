"""The signed-in user's own in-app notifications (站内通知): list, unread count, mark read.

Only one's own: the queryset is filtered by the user, so another user's notification is a 404 like
any object one may not see. Marking read is what the notifications page does when one is opened
(notifications/views.py): set read_at once, never clear it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "message", "link", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilter(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None,
                                      help_text="true：仅未读；false：仅已读；省略：全部")


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="未读通知数")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的通知数")


class NewestFirstCursor(CursorPagination):
    """Newest first by id (ids grow with created_at): one indexed range per page, no COUNT(*).
    A bad cursor is bad input (400), as on the request list, not DRF's 404."""

    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [_("每页条数应为1至%(max)d之间的整数。") % {"max": self.max_page_size}]}
            )
        return size

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise serializers.ValidationError(
                {self.cursor_query_param: [_("分页游标无效，请使用上一次响应中的 next 或 previous 链接。")]}
            ) from None

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return params


@extend_schema_view(list=extend_schema(summary="我的站内通知（最新在前，游标分页）", parameters=[NotificationFilter],
                                       tags=["notifications"]))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    pagination_class = NewestFirstCursor
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        filters = NotificationFilter(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        unread = filters.validated_data["unread"]
        if unread is not None:
            queryset = queryset.filter(read_at__isnull=unread)
        return queryset

    @extend_schema(summary="标为已读", request=None, responses=NotificationSerializer, tags=["notifications"])
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        note = self.get_object()
        if note.read_at is None:
            Notification.objects.filter(pk=note.pk, read_at__isnull=True).update(read_at=timezone.now())
            note.refresh_from_db(fields=["read_at"])
        return Response(NotificationSerializer(note).data)

    @extend_schema(summary="全部标为已读", request=None, responses=MarkedSerializer, tags=["notifications"])
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": marked})

    @extend_schema(summary="未读通知数", responses=UnreadCountSerializer, tags=["notifications"])
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None)
    def unread_count(self, request):
        return Response({"unread": Notification.objects.filter(user=request.user, read_at__isnull=True).count()})
