"""Attachment checks for the API: the admin's own validator (disclosure.forms.AttachmentForm: type by
content, polyglots with HTML or script refused, name sanitised, size), with one thing an API needs on
top of it: an oversized file is 413, not a field error."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from disclosure.forms import AttachmentForm

from .exceptions import PayloadTooLarge


def check_upload(upload, description: str = "") -> AttachmentForm:
    """The validated form (safe_name, extension, content_type); raises 413 or a 400 field error."""
    limit = settings.GONGKAI_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(_("文件过大：上限为 %(mb).0f MB。") % {"mb": limit / 1024 / 1024})
    form = AttachmentForm(data={"description": description}, files={"file": upload})
    if not form.is_valid():
        raise serializers.ValidationError({field: list(errors) for field, errors in form.errors.items()})
    return form
