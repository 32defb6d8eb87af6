"""Gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Its access log writes the request line (query string included) and its error log what workers
report; both pass through the same ID-number mask as Django's logs (security/logfilter.py), so
`GET /api/v1/requests/?search=330703198402231582` is logged as `search=330**********1582`.
The workers and the address stay on the command line (README, "Running at scale"): `-w 4 -b 127.0.0.1:8000`.
"""

from gunicorn.glogging import Logger

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
