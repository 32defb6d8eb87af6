"""A JSON parser that refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with 413.

DRF's JSONParser reads the request stream itself, past Django's own size check (which only guards
request.body and form fields), so without this a client could post a body of any size.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers

from .exceptions import PayloadTooLarge


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.headers.get("content-length") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise PayloadTooLarge(_("请求内容过大：上限为 %(mb).0f MB。") % {"mb": limit / 1024 / 1024})
        return super().parse(stream, media_type, parser_context)
