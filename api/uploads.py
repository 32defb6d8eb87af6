"""Attachment checks: size limit, type by content (not by name or client header), safe names.

The admin has no reusable upload validator yet (no disclosure/forms.py when this was written), so
the rule lives here; the admin should import `check_upload` rather than repeat it.
"""

from __future__ import annotations

import os
import re
import unicodedata

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from .exceptions import PayloadTooLarge

# extension → (content type, predicate on the first bytes)
ZIP = b"PK\x03\x04"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SIGNATURES = {
    ".pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ".png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              lambda head: head.startswith(ZIP)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda head: head.startswith(ZIP)),
    ".doc": ("application/msword", lambda head: head.startswith(OLE)),
    ".xls": ("application/vnd.ms-excel", lambda head: head.startswith(OLE)),
    ".ofd": ("application/ofd", lambda head: head.startswith(ZIP)),
    ".txt": ("text/plain; charset=utf-8", None),
}
# Markup that a browser would run if it ever sniffed the file as HTML or SVG: refused anywhere in
# the first block, which also catches polyglots (a valid PDF/PNG header followed by HTML).
ACTIVE_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|script|svg|iframe|object|embed|body|head|meta)\b|<\?xml",
                           re.IGNORECASE)
SNIFF_BYTES = 4096


def safe_name(name: str) -> str:
    """Keep the base name only, drop control and path characters; Chinese names stay readable."""
    name = unicodedata.normalize("NFC", os.path.basename(name.replace("\\", "/")))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"/\\|?*')
    name = name.strip(" .")
    stem, ext = os.path.splitext(name)
    return (stem.strip(" .")[:150] or "file") + ext.lower()[:10]


def check_upload(upload) -> tuple[str, str]:
    """(safe name, content type) of an acceptable upload; raises 413 or a field error otherwise."""
    limit = settings.GONGKAI_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(_("文件过大：上限为 %(mb).0f MB。") % {"mb": limit / 1024 / 1024})
    if upload.size == 0:
        raise serializers.ValidationError({"file": [_("文件是空的。")]})
    name = safe_name(upload.name or "")
    ext = os.path.splitext(name)[1]
    if ext not in SIGNATURES:
        raise serializers.ValidationError(
            {"file": [_("不支持的文件类型“%(ext)s”；可上传 %(allowed)s。")
                      % {"ext": ext or "?", "allowed": "、".join(sorted(SIGNATURES))}]}
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type, matches = SIGNATURES[ext]
    if matches is None:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut at the block end is fine
                raise serializers.ValidationError({"file": [_("文本文件须为 UTF-8 编码。")]}) from None
    elif not matches(head):
        raise serializers.ValidationError({"file": [_("文件内容与扩展名“%(ext)s”不符。") % {"ext": ext}]})
    if ACTIVE_MARKUP.search(head):
        raise serializers.ValidationError({"file": [_("文件包含网页或脚本内容，不能上传。")]})
    return name, content_type
