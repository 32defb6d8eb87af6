"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Its access log writes the request line (query string included) and its error log what workers
report; both pass through the same ID-number mask as Django's logs (security/logfilter.py), so
`GET /api/v1/requests/?search=330703198402231582` is logged as `search=330**********1582`.
The address, the workers and the timeout come from GUNICORN_BIND, GUNICORN_WORKERS and
GUNICORN_TIMEOUT (deploy/gongkai.env.example; the command line's -b/-w/-t still win). With
GONGKAI_LOG_FORMAT=json the access log is one JSON object per line with the request id, as Django's.
"""

import os

from gunicorn.glogging import Logger

from security.logfilter import MaskIdNumbers

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # above nginx's proxy_read_timeout (110 s)
graceful_timeout = 30
keepalive = 5  # nginx keeps connections to the upstream open (deploy/nginx/gongkai.conf)
max_requests, max_requests_jitter = 2000, 200  # recycle workers: memory of a large export never stays
accesslog = "-"  # stdout, for the supervisor's journal
errorlog = "-"
if os.environ.get("GONGKAI_LOG_FORMAT", "").strip().lower() == "json":
    access_log_format = (
        '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", "remote": "%(h)s", '
        '"request": "%(r)s", "status": %(s)s, "bytes": "%(B)s", "duration_us": %(D)s, '
        '"request_id": "%({x-request-id}o)s"}'
    )
logger_class = "config.gunicorn.MaskingLogger"


class MaskingLogger(Logger):
    """gunicorn's logger with the ID-number mask on its access and error loggers."""

    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskIdNumbers) for f in log.filters):
                log.addFilter(MaskIdNumbers())
