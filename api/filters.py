"""Query-string filters of the request list, validated like any other input (bad value → 400)."""

from __future__ import annotations

from django.db.models import Q
from rest_framework import serializers

from disclosure.models import ApplicantType, Channel
from disclosure.workflow import OPEN_STATUSES, Status


class RequestFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False, help_text="状态")
    unit = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1, help_text="受理单位 id")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, help_text="申请方式")
    applicant_type = serializers.ChoiceField(choices=ApplicantType.choices, required=False, help_text="申请人类型")
    overdue = serializers.BooleanField(required=False,
                                       help_text="true：仅逾期未办结；false：仅未逾期（含已办结）")
    due_before = serializers.DateField(required=False, help_text="答复期限不晚于该日")
    due_after = serializers.DateField(required=False, help_text="答复期限不早于该日")
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100, help_text="收到申请的年度")
    search = serializers.CharField(required=False, max_length=200, trim_whitespace=True,
                                   help_text="在申请编号、申请人和申请内容中查找")

    def apply(self, queryset, today):
        data = self.validated_data
        exact = {name: data[name] for name in ("status", "channel", "applicant_type") if data.get(name)}
        if exact:
            queryset = queryset.filter(**exact)
        if data.get("unit"):
            queryset = queryset.filter(unit_id=data["unit"])
        if data.get("overdue") is True:
            queryset = queryset.overdue(today)
        elif data.get("overdue") is False:
            queryset = queryset.exclude(status__in=OPEN_STATUSES, due_on__lt=today)
        if data.get("due_before"):
            queryset = queryset.filter(due_on__lte=data["due_before"])
        if data.get("due_after"):
            queryset = queryset.filter(due_on__gte=data["due_after"])
        if data.get("year"):
            queryset = queryset.received().received_in(data["year"])
        if data.get("search"):
            term = data["search"]
            queryset = queryset.filter(
                Q(ref__icontains=term) | Q(applicant_name__icontains=term) | Q(content__icontains=term)
            )
        return queryset
