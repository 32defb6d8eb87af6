"""The applicants' forms (portal.md): the application of 条例第二十九条, the status lookup and the
online correction.

The checks are the staff side's own, not copies: ID numbers through disclosure.idnumbers (the
check digits the registration service applies), attachments through disclosure.forms.AttachmentForm
(type told by content, polyglots refused, size), the choices of disclosure.models. On top, what a
public form needs: no markup in names, a bounded description, a CAPTCHA and a honeypot. The JSON
intake (api/public.py) validates through this same form, so a rule cannot differ between the two.
"""

from __future__ import annotations

import re

from captcha.fields import CaptchaField
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from disclosure import models as dm
from disclosure.forms import AttachmentForm
from disclosure.idnumbers import InvalidIdNumber, check_id_number, is_person
from disclosure.services.intake import MAX_ADDRESS, MAX_CONTENT, MAX_NAME

PROVISION_FORMS = [
    (dm.ProvisionForm.PAPER.value, _("纸质")),
    (dm.ProvisionForm.EMAIL.value, _("电子邮件")),
    (dm.ProvisionForm.DISC.value, _("光盘/U盘")),
    (dm.ProvisionForm.INSPECTION.value, _("当场查阅")),
]
DELIVERY_METHODS = dm.DeliveryMethod.choices

PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{5,22}[0-9]$")
MARKUP_RE = re.compile(r"[<>]|&#|javascript:", re.IGNORECASE)
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def online_units():
    """The units that take online applications (all units, unless the model says otherwise)."""
    queryset = dm.Unit.objects.order_by("path", "name")
    if any(f.name == "accepts_online" for f in dm.Unit._meta.get_fields()):
        queryset = queryset.filter(accepts_online=True)
    return queryset


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s\-]", "", str(value or ""))


def check_attachment(upload):
    """The staff attachment check (disclosure.forms.AttachmentForm); the upload, renamed to its safe name."""
    checker = AttachmentForm(data={"description": ""}, files={"file": upload})
    if not checker.is_valid():
        raise ValidationError(list(checker.errors.get("file", [])) or [_("文件无效。")])
    upload.name = checker.safe_name
    return upload


class PlainText(forms.CharField):
    """A one-line name: trimmed, no control characters, no markup."""

    def validate(self, value):
        super().validate(value)
        if value and CONTROL_RE.search(value):
            raise ValidationError(_("请不要输入控制字符。"), code="control")
        if value and MARKUP_RE.search(value):
            raise ValidationError(_("请不要输入“<”“>”等网页标记符号。"), code="markup")


class LongText(forms.CharField):
    def validate(self, value):
        super().validate(value)
        if value and CONTROL_RE.search(value):
            raise ValidationError(_("请不要输入控制字符。"), code="control")


class AccessibleForm(forms.Form):
    """Marks each field in error for assistive technology: aria-invalid, and aria-describedby
    pointing at the message printed next to it (templates/public/_field.html renders the ids)."""

    def full_clean(self):
        super().full_clean()
        for name, field in self.fields.items():
            bound = self[name]
            described = [f"{bound.auto_id}_help"] if field.help_text else []
            if name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                described.insert(0, f"{bound.auto_id}_error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)

    @property
    def attachment_names(self) -> list[str]:
        return [name for name, field in self.fields.items() if isinstance(field, forms.FileField)]

    def files_were_dropped(self) -> bool:
        """A bound form with errors does not keep the chosen files: the page says so."""
        return self.is_bound and bool(self.errors) and any(self.files.get(n) for n in self.attachment_names)


class ApplicationForm(AccessibleForm):
    """条例第二十九条: who applies, how to reach them, what they ask for, in which form and delivery."""

    unit = forms.ModelChoiceField(
        label=_("受理单位"), queryset=dm.Unit.objects.none(), to_field_name="code", empty_label=_("请选择"),
        error_messages={"invalid_choice": _("没有该受理单位，请从列表中选择。")},
    )
    applicant_type = forms.ChoiceField(label=_("申请人类型"), choices=dm.ApplicantType.choices)
    applicant_name = PlainText(label=_("姓名或名称"), max_length=MAX_NAME)
    applicant_id_number = PlainText(
        label=_("身份证件号码"), max_length=64,
        help_text=_("公民填居民身份证号码；法人或其他组织填统一社会信用代码；其他证件按证件上的号码填写。"),
    )
    phone = forms.CharField(
        label=_("联系电话"), max_length=24, help_text=_("查询办理进度时需要输入此号码。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("电子邮箱"), required=False, max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    address = PlainText(label=_("通信地址"), required=False, max_length=MAX_ADDRESS,
                        widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    agent_name = PlainText(label=_("代理人姓名"), required=False, max_length=MAX_NAME,
                           help_text=_("委托他人代为申请时填写，并上传授权委托书。"))
    agent_id_number = PlainText(label=_("代理人身份证件号码"), required=False, max_length=64)
    content = LongText(
        label=_("所需政府信息的描述"), required=False, max_length=MAX_CONTENT,
        help_text=_("尽量写明信息的名称、文号或便于查找的其他特征。"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    document_name = PlainText(label=_("文件名称"), required=False, max_length=200)
    document_number = PlainText(label=_("文号"), required=False, max_length=100)
    provision_form = forms.ChoiceField(label=_("信息的提供形式"), choices=PROVISION_FORMS,
                                       widget=forms.RadioSelect, initial=dm.ProvisionForm.EMAIL.value)
    delivery_method = forms.ChoiceField(label=_("获取信息的方式"), choices=DELIVERY_METHODS,
                                        widget=forms.RadioSelect, initial="online")
    id_copy = forms.FileField(label=_("身份证明复印件"), required=False,
                              help_text=_("PDF、JPG 或 PNG，不超过 20 MB。"))
    licence = forms.FileField(label=_("营业执照或登记证书"), required=False,
                              help_text=_("法人或其他组织申请时上传。"))
    power_of_attorney = forms.FileField(label=_("授权委托书"), required=False,
                                        help_text=_("由代理人申请时必须上传。"))
    # The honeypot: hidden from people (CSS and aria-hidden), filled by form-filling robots.
    website = forms.CharField(label=_("网址（请留空）"), required=False, max_length=200)

    FILE_FIELDS = ("id_copy", "licence", "power_of_attorney")

    def __init__(self, *args, captcha: bool | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = online_units()
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.uses_captcha = settings.GONGKAI_PUBLIC_CAPTCHA if captcha is None else captcha
        if self.uses_captcha:
            self.fields["captcha"] = CaptchaField(
                label=_("验证码"), help_text=_("请输入图中的字符（不区分大小写）。"),
                error_messages={"invalid": _("验证码不正确，请重新输入。")},
            )

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data["phone"])
        if not PHONE_RE.match(phone):
            raise ValidationError(_("请填写有效的电话号码（手机或带区号的固定电话）。"))
        return phone

    def _clean_file(self, name):
        upload = self.cleaned_data.get(name)
        return check_attachment(upload) if upload else None

    def clean_id_copy(self):
        return self._clean_file("id_copy")

    def clean_licence(self):
        return self._clean_file("licence")

    def clean_power_of_attorney(self):
        return self._clean_file("power_of_attorney")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(_("无法提交，请刷新页面后重试。"), code="honeypot")
        applicant_type = cleaned.get("applicant_type")
        for name, person in (("applicant_id_number", is_person(applicant_type)), ("agent_id_number", True)):
            if cleaned.get(name):
                try:
                    cleaned[name] = check_id_number(cleaned[name], person=person)
                except InvalidIdNumber as exc:
                    self.add_error(name, str(exc))
        if not cleaned.get("content") and not cleaned.get("document_name") and "content" not in self.errors:
            self.add_error("content", _("请描述所需的政府信息，或填写文件名称。"))
        if cleaned.get("agent_name") and not cleaned.get("agent_id_number") and "agent_id_number" not in self.errors:
            self.add_error("agent_id_number", _("由代理人申请时，请填写代理人身份证件号码。"))
        if (cleaned.get("agent_name") and not cleaned.get("power_of_attorney")
                and "power_of_attorney" not in self.errors and self.files is not None and not self.is_json):
            self.add_error("power_of_attorney", _("由代理人申请时，请上传授权委托书。"))
        if cleaned.get("delivery_method") == "email" and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("选择以电子邮件获取时，请填写电子邮箱。"))
        if cleaned.get("delivery_method") == "post" and not cleaned.get("address") and "address" not in self.errors:
            self.add_error("address", _("选择邮寄时，请填写通信地址。"))
        return cleaned

    is_json = False  # the JSON intake carries no files (portal.md's fields only)

    def service_data(self) -> dict:
        """The keys of disclosure.services.submit_application (interface.md)."""
        c = self.cleaned_data
        content = c.get("content") or ""
        if c.get("document_name"):
            named = _("文件名称：%(name)s") % {"name": c["document_name"]}
            if c.get("document_number"):
                named += _("；文号：%(number)s") % {"number": c["document_number"]}
            content = f"{content}\n{named}".strip()
        data = {
            "applicant_type": c["applicant_type"], "applicant_name": c["applicant_name"],
            "applicant_id_number": c["applicant_id_number"], "phone": c["phone"], "email": c.get("email") or "",
            "address": c.get("address") or "", "content": content, "provision_form": c["provision_form"],
            "delivery_method": c["delivery_method"],
        }
        if c.get("agent_name"):
            data.update(agent_name=c["agent_name"], agent_id_number=c.get("agent_id_number") or "")
        return data

    def attachments(self) -> list:
        return [self.cleaned_data[name] for name in self.FILE_FIELDS if self.cleaned_data.get(name)]


class LookupForm(AccessibleForm):
    tracking_code = forms.CharField(
        label=_("查询码"), max_length=40, help_text=_("提交申请时页面上显示的查询码，例如 K7Q2-M9XD-4TRA-PZ3F。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    phone = forms.CharField(label=_("联系电话"), max_length=24,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


class CorrectionForm(AccessibleForm):
    """补正: the corrected application as the correction notice asked, with files if needed."""

    content = LongText(label=_("补正后的申请内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_CONTENT,
                       help_text=_("按补正告知书的要求，写明更改后的所需信息描述。"))
    file = forms.FileField(label=_("补正材料"), required=False, help_text=_("PDF、JPG 或 PNG，不超过 20 MB。"))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        return check_attachment(upload) if upload else None
