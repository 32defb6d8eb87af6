"""Attachment checks for the API: the admin's own validator (disclosure.forms.AttachmentForm: type by
content, name sanitised, size) plus two things an API needs on top of it:

- an oversized file is 413, not a field error;
- polyglots: a file whose bytes start right for its type (a PDF or PNG header) but carry HTML or
  script in the first block is refused. The admin's check only scans .txt files for markup; this
  scan belongs in disclosure.forms.content_matches so that both use it (noted for the lead).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from disclosure.forms import ZIP_MAGIC, AttachmentForm

from .exceptions import PayloadTooLarge

# Not "<?xml": PDFs legitimately carry XMP metadata. Zip-based formats are compressed and skipped.
ACTIVE_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe|object|embed)\b", re.IGNORECASE)
SNIFF_BYTES = 4096


def check_upload(upload, description: str = "") -> AttachmentForm:
    """The validated form (safe_name, extension, content_type); raises 413 or a 400 field error."""
    limit = settings.GONGKAI_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(_("文件过大：上限为 %(mb).0f MB。") % {"mb": limit / 1024 / 1024})
    form = AttachmentForm(data={"description": description}, files={"file": upload})
    if not form.is_valid():
        raise serializers.ValidationError({field: list(errors) for field, errors in form.errors.items()})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if not head.startswith(ZIP_MAGIC) and ACTIVE_MARKUP.search(head):
        raise serializers.ValidationError({"file": [_("文件包含网页或脚本内容，不能上传。")]})
    return form
