"""Deploy checks: production must not run on the development field key."""

import os

from django.core.checks import Warning, register


@register(deploy=True)
def field_key_check(app_configs, **kwargs):
    if os.environ.get("GONGKAI_FIELD_KEY", "").strip():
        return []
    return [
        Warning(
            "GONGKAI_FIELD_KEY is not set: ID numbers and contacts are encrypted with a key derived from "
            "DJANGO_SECRET_KEY (development only).",
            hint="Set GONGKAI_FIELD_KEY to a Fernet key (see README, 'Security').",
            id="security.W001",
        )
    ]
