"""An attachment to a request's case file: the checks are disclosure.uploads', on the bytes."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..uploads import check_attachment


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("文件"))
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.safe_name, self.extension, self.content_type = check_attachment(upload)
        return upload
