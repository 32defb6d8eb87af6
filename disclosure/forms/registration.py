"""Registering a request and editing its registration (the admin's add and change forms), and the
date widget and service-error helper every admin form uses."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import services
from ..models import Channel, DisclosureRequest
from ..workflow import WorkflowError


class DateInput(forms.DateInput):
    """A native date picker; the value is always ISO (YYYY-MM-DD), whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, exc: WorkflowError) -> None:
    """Put the service's refusal on the field it names, or on the form when it names none."""
    field = exc.field if exc.field in form.fields and not form.fields[exc.field].widget.is_hidden else None
    form.add_error(field, str(exc.message))


# --- registering and editing a request ----------------------------------------------------------

# The registration's field groups, in the order the add form shows them (the admin's fieldsets).
RECEIPT_FIELDS = (  # 条例第三十一条: the channel and its dates give the receipt date
    "channel",
    "post_kind",
    "submitted_on",
    "signed_for_on",
    "confirmed_on",
    "received_on",
    "receipt_override_reason",
)
APPLICANT_FIELDS = (
    "applicant_type",
    "applicant_name",
    "applicant_id_number",
    "applicant_contact",
    "agent_name",
    "agent_id_number",
    "agent_contact",
)
CONTENT_FIELDS = ("content", "provision_form", "purpose")
REGISTER_FIELDS = ("unit", "ref", *RECEIPT_FIELDS, *APPLICANT_FIELDS, *CONTENT_FIELDS)
# What services.update_registration lets change after registration.
EDITABLE_AFTER_REGISTRATION = (*APPLICANT_FIELDS, *CONTENT_FIELDS)
DATE_WIDGETS = {name: DateInput() for name in ("submitted_on", "signed_for_on", "confirmed_on", "received_on")}
# The limit named, not Django's generic "确保该值最多为…" (services.registration says the same).
CONTENT_ERRORS = {
    "content": {"max_length": _("申请内容不能超过%(limit_value)d字（现有%(show_value)d字）；所需文件请作为附件上传。")}
}


class RegistrationForm(forms.ModelForm):
    """A registration form whose model validation is the registration service, called by the admin's
    save_model: the form only parses. When the service refuses, the admin renders the form again with
    the refusal (`refusal`) on the field it names, and nothing was saved."""

    refusal: WorkflowError | None = None  # set by the admin on a per-request subclass

    def _post_clean(self):
        # Not ModelForm's construct_instance/full_clean: the service validates and writes, from
        # cleaned_data, so the instance stays as read (update_registration compares against it).
        if self.refusal is not None and not self._errors:
            add_service_error(self, self.refusal)


class RegisterRequestForm(RegistrationForm):
    """登记: one form; services.register_request derives the Art. 31 date, numbers and saves it."""

    class Meta:
        model = DisclosureRequest
        fields = REGISTER_FIELDS
        widgets = {**DATE_WIDGETS, "content": forms.Textarea(attrs={"rows": 5})}
        error_messages = CONTENT_ERRORS
        help_texts = {
            "ref": _("留空则按“前缀〔年度〕第0001号”自动编号。"),
            "submitted_on": _("当面提交之日，或邮戳、网络提交日期。"),
            "signed_for_on": _("需签收的邮寄申请：签收之日即收到申请之日。"),
            "confirmed_on": _("平常信函、网络、传真、电子邮件：双方确认之日即收到申请之日。"),
            "received_on": _("留空则按条例第三十一条由申请方式推算；与推算日期不同时须填写调整理由。"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].required = False
        self.fields["ref"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("channel") == Channel.LETTER and not cleaned.get("post_kind"):
            self.add_error("post_kind", _("信函申请请选择邮寄方式（需签收或平常信函）。"))
        return cleaned

    def register(self, *, actor) -> DisclosureRequest:
        """services.register_request with the parsed fields; raises its WorkflowError."""
        data = dict(self.cleaned_data)
        unit = data.pop("unit")
        return services.register_request(actor=actor, unit=unit, **data)


class UpdateRegistrationForm(RegistrationForm):
    """The change page: the fields update_registration allows, with the version seen on the page."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = DisclosureRequest
        fields = EDITABLE_AFTER_REGISTRATION
        widgets = {"content": forms.Textarea(attrs={"rows": 5})}
        error_messages = CONTENT_ERRORS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "seen_version" in self.fields:
            self.fields["seen_version"].initial = self.instance.version

    def update(self, *, actor) -> None:
        """services.update_registration with the fields that changed (none: nothing to write)."""
        changes = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in EDITABLE_AFTER_REGISTRATION and name in self.cleaned_data
        }
        if changes:
            services.update_registration(
                self.instance, actor=actor, expected_version=self.cleaned_data["seen_version"], **changes
            )
