"""The signed-in user's own in-app notifications (站内通知): list, unread count, mark read.

Only one's own: the queryset is filtered by the user, so another user's notification is a 404 like
any object one may not see. Marking read is what the notifications page does when one is opened
(notifications/views.py): set read_at once, never clear it.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications.models import Notification

from .pagination import IdKeysetPagination


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "message", "link", "created_at", "read_at"]
        read_only_fields = fields


class NotificationFilter(serializers.Serializer):
    unread = serializers.BooleanField(required=False,
                                      help_text="true：仅未读；false：仅已读；省略：全部")


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="未读通知数")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的通知数")


class NewestFirstCursor(IdKeysetPagination):
    """Newest first by id: one indexed range per page, no COUNT(*); a bad cursor is bad input (400)."""


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
        unread = filters.validated_data.get("unread")
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
