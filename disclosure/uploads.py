"""What an uploaded file's bytes are: its type sniffed from the content (the extension is only the
client's claim), polyglots carrying HTML or script refused, and its name cleaned for headers and disk.

Bytes in, answers out: the admin's attachment form, the portal, the API, the intake service and the
ledger import all check files here, so no form is needed to check one.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# extension -> (content type stored and served, check of the first bytes / the file)
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
}
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)", re.IGNORECASE)
# Polyglots: bytes that start right for their type (a PDF or PNG header) but carry HTML or script a
# browser would run if it ever sniffed the file. Not "<?xml": PDFs carry XMP metadata. Zip-based
# formats are compressed, so a scan of their bytes means nothing; they are skipped.
ACTIVE_MARKUP = re.compile(rb"<\s*(!doctype\s+html|html|head|body|script|svg|iframe|object|embed)\b", re.IGNORECASE)
SNIFF_BYTES = 4096


def carries_active_markup(data: bytes) -> bool:
    return not data.startswith(ZIP_MAGIC) and bool(ACTIVE_MARKUP.search(data[:SNIFF_BYTES]))


def zip_names(data: bytes) -> set[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def content_matches(ext: str, data: bytes) -> bool:
    """Whether the bytes are what the extension says (the extension alone is the client's claim)."""
    head = data[:8]
    if ext == ".pdf":
        return data[:1024].lstrip().startswith(b"%PDF-")
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == ".png":
        return head == b"\x89PNG\r\n\x1a\n"
    if ext in (".doc", ".xls"):
        return head == OLE2
    if ext in (".docx", ".xlsx", ".zip"):
        if not head.startswith(ZIP_MAGIC):
            return False
        names = zip_names(data)
        if names is None:
            return False
        if ext == ".docx":
            return "[Content_Types].xml" in names and "word/document.xml" in names
        if ext == ".xlsx":
            return "[Content_Types].xml" in names and "xl/workbook.xml" in names
        return True
    if ext == ".txt":
        if b"\x00" in data or MARKUP.search(data[:4096]):
            return False
        for encoding in ("utf-8", "gb18030"):
            try:
                data.decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
        return False
    return False


def sanitise_filename(name: str) -> str:
    """A display name safe in headers and on disk: no path, no control or markup characters."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w.\-（）()\[\]【】 ]", "_", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = stem[:100] or "file"
    return f"{stem}.{ext.lower()}" if ext else stem

class CheckedUpload(NamedTuple):
    safe_name: str
    extension: str
    content_type: str


def check_attachment(upload) -> CheckedUpload:
    """An attachment's checks: size, a type we store, content that matches it, no active markup."""
    limit = settings.GONGKAI_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”大小为%(size)s，超过上限%(limit)s。")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    safe_name = sanitise_filename(upload.name)
    ext = ("." + safe_name.rpartition(".")[2]) if "." in safe_name else ""
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("不支持“%(ext)s”类型的文件；只能上传 PDF、JPG、PNG、DOC(X)、XLS(X)、TXT 或 ZIP。")
            % {"ext": ext or _("无扩展名")}
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not content_matches(ext, data):
        raise ValidationError(
            _("文件“%(name)s”的内容与扩展名“%(ext)s”不符（网页、SVG 等文件不能上传）。")
            % {"name": safe_name, "ext": ext}
        )
    if carries_active_markup(data):
        raise ValidationError(_("文件“%(name)s”包含网页或脚本内容，不能上传。") % {"name": safe_name})
    return CheckedUpload(safe_name, ext, ATTACHMENT_TYPES[ext])
