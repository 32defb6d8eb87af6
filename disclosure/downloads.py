"""An attachment as a download, the same from the admin and the API: never rendered inline by the
browser (the type was checked by content at upload, but a file is still the applicant's), and every
download recorded in the audit log."""

from __future__ import annotations

from django.http import FileResponse

from security import audit


class MissingFile(Exception):
    """The attachment's row exists but its file is gone from storage."""


def attachment_response(attachment, *, request) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise MissingFile(attachment.pk) from None
    audit.download(attachment, request=request)
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
