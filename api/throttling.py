"""API throttles whose rates are read from settings at request time (so they follow overrides)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class ApiUserThrottle(UserRateThrottle):
    def get_rate(self):
        return settings.GONGKAI_API_RATE_USER

    def allow_request(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return True  # anonymous callers are counted by ApiAnonThrottle
        return super().allow_request(request, view)


class ApiAnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.GONGKAI_API_RATE_ANON


class TokenObtainThrottle(SimpleRateThrottle):
    """Password guessing through the token endpoint: limited per client address."""

    scope = "api_token"

    def get_rate(self):
        return settings.GONGKAI_API_RATE_TOKEN

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
