"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Its access log writes the request line (query string included) and its error log what workers
report; both pass through the same ID-number mask as Django's logs (security/logfilter.py), so
`GET /api/v1/requests/?search=330703198402231582` is logged as `search=330**********1582`.
Command-line options (-w, -b, …) still override what is set here.
"""

import os

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = "-"  # stdout, for the supervisor's journal
errorlog = "-"
logger_class = "config.gunicorn.MaskingLogger"


class MaskingLogger(Logger):
    """gunicorn's logger with the ID-number mask on its access and error loggers."""

    def setup(self, cfg):
        super().setup(cfg)
        from security.logfilter import MaskIdNumbers

        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskIdNumbers) for f in log.filters):
                log.addFilter(MaskIdNumbers())
