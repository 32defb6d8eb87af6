"""The demo dataset (`manage.py load_demo`): data.py holds the district's names and plan,
builder.py drives every request through the services with its history's dates, online.py adds the
online applications and loads it all."""

from .builder import DemoBuilder
from .data import DEFAULT_PASSWORD, demo_password, is_loaded
from .online import ONLINE_DEMO, ONLINE_DEMO_PHONE, load_demo, logins_text, online_demo_code, online_demo_text

__all__ = [
    "DEFAULT_PASSWORD", "ONLINE_DEMO", "ONLINE_DEMO_PHONE", "DemoBuilder", "demo_password", "is_loaded", "load_demo",
    "logins_text", "online_demo_code", "online_demo_text",
]
