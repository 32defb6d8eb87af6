"""Query-string filters of the request list (django-filter), validated like any other input: a bad
value, or a parameter given empty, is 400 naming it (api.exceptions gives the error its shape)."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import BooleanField as DRFBooleanField

from disclosure.models import ApplicantType, Channel, DisclosureRequest
from disclosure.workflow import OPEN_STATUSES, Status

ISO_DATE = ["%Y-%m-%d"]  # the API's dates are ISO 8601, whatever the language


class StrictBooleanField(forms.Field):
    """true/false as DRF reads them (true, 1, yes, on, …); anything else, "null" included, refused."""

    default_error_messages = {"invalid": DRFBooleanField.default_error_messages["invalid"]}

    def to_python(self, value):
        if value is None:
            return None
        if value in DRFBooleanField.TRUE_VALUES:
            return True
        if value in DRFBooleanField.FALSE_VALUES:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IntegerFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class RequestFilterForm(forms.Form):
    def clean(self):
        # A parameter given empty ("?status=") is refused, not taken for "no filter".
        for name in self.fields:
            if name in self.data and not str(self.data.get(name, "")).strip():
                self.add_error(name, forms.Field.default_error_messages["required"])
        return super().clean()


def documented(schema_field):
    """The filter's OpenAPI entry, from the DRF field that reads the same value (type, bounds, enum
    in declaration order, help text); drf-spectacular's django-filter extension uses it."""
    return extend_schema_field(schema_field)


class RequestFilter(django_filters.FilterSet):
    status = documented(serializers.ChoiceField(choices=Status.choices, help_text="状态"))(
        django_filters.ChoiceFilter(choices=Status.choices)
    )
    unit = documented(serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="受理单位 id"))(
        IntegerFilter(field_name="unit_id", min_value=1, max_value=2**63 - 1)
    )
    channel = documented(serializers.ChoiceField(choices=Channel.choices, help_text="申请方式"))(
        django_filters.ChoiceFilter(choices=Channel.choices)
    )
    applicant_type = documented(serializers.ChoiceField(choices=ApplicantType.choices, help_text="申请人类型"))(
        django_filters.ChoiceFilter(choices=ApplicantType.choices)
    )
    overdue = documented(serializers.BooleanField(help_text="true：仅逾期未办结；false：仅未逾期（含已办结）"))(
        StrictBooleanFilter(method="filter_overdue")
    )
    due_before = documented(serializers.DateField(help_text="答复期限不晚于该日"))(
        django_filters.DateFilter(field_name="due_on", lookup_expr="lte", input_formats=ISO_DATE)
    )
    due_after = documented(serializers.DateField(help_text="答复期限不早于该日"))(
        django_filters.DateFilter(field_name="due_on", lookup_expr="gte", input_formats=ISO_DATE)
    )
    year = documented(serializers.IntegerField(min_value=1990, max_value=2100, help_text="收到申请的年度"))(
        IntegerFilter(method="filter_year", min_value=1990, max_value=2100)
    )
    search = documented(serializers.CharField(max_length=200, help_text="在申请编号、申请人和申请内容中查找"))(
        django_filters.CharFilter(method="filter_search", max_length=200)
    )

    class Meta:
        model = DisclosureRequest
        fields = ()  # every filter is declared above
        form = RequestFilterForm

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def filter_overdue(self, queryset, name, value):
        if value is True:
            return queryset.overdue(self.today)
        return queryset.exclude(status__in=OPEN_STATUSES, due_on__lt=self.today)

    def filter_year(self, queryset, name, value):
        return queryset.received().received_in(value)

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(ref__icontains=value) | Q(applicant_name__icontains=value) | Q(content__icontains=value)
        )
