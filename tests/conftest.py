import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from disclosure.models import Unit

from .factories import UnitFactory, staff


@pytest.fixture(autouse=True)
def _second_factor_only_where_tested(request, settings):
    """Heads and admins need TOTP (security app); tests not about it (marked two_factor) log them in without."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.GONGKAI_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    """LocaleMiddleware activates a request's language in the thread and the test client never resets
    it: without this, one test's English request (cookie or Accept-Language) turns later tests' messages
    English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """The suite's one password hasher: PBKDF2 costs seconds per user under load and tests don't need its
    strength. Autouse at the root, so it is in place before any fixture (`people`, the factories) hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle and lockout counters live in the cache (Redis in the PostgreSQL + Redis run):
    each test starts without the previous tests' counts. Only our own keys are removed, never
    the broker's."""
    from django.core.cache import cache

    if hasattr(cache, "_cache") and hasattr(cache._cache, "get_client"):
        client = cache._cache.get_client(None, write=True)
        for key in client.scan_iter(match=f"{cache.key_prefix}:*"):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture
def tree(db):
    """A district government with a department and a township, and a second district."""
    # 文书: each unit has a 文号 prefix; the two districts, with no government above them, their 复议机关
    root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="金东公开",
                       reconsideration_body="金华市人民政府")
    dept = UnitFactory(code="jd-fgj", name="金东区发展和改革局", kind=Unit.Kind.DEPARTMENT, parent=root,
                       letter_prefix="金东发改")
    town = UnitFactory(code="jd-dxz", name="多湖街道", kind=Unit.Kind.TOWNSHIP, parent=root, letter_prefix="多湖")
    other = UnitFactory(code="wucheng", name="婺城区人民政府", kind=Unit.Kind.GOVERNMENT, letter_prefix="婺政",
                        reconsideration_body="金华市人民政府")
    return {"root": root, "dept": dept, "town": town, "other": other}


@pytest.fixture
def people(tree):
    return {
        "clerk": staff("clerk", tree["dept"], "clerk"),
        "reviewer": staff("reviewer", tree["dept"], "reviewer"),
        "legal": staff("legal", tree["dept"], "legal_reviewer"),
        "head": staff("head", tree["dept"], "head"),
        "supervisor": staff("supervisor", tree["root"], "supervisor"),
        "town_clerk": staff("town_clerk", tree["town"], "clerk"),
        "other_clerk": staff("other_clerk", tree["other"], "clerk"),
        "admin": staff("sysadmin", tree["root"], "admin"),
    }


@pytest.fixture
def as_user(db):
    """as_user(user) -> an APIClient authenticated with a fresh token of that user."""

    def make(user):
        _, raw = ApiToken.issue(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    return make


@pytest.fixture
def broker_down():
    """Point the Celery app at a local port nothing listens on (as if Redis were stopped)."""
    from config.celery import app

    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = "redis://127.0.0.1:1/0", {}
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.broker_transport_options = saved
    app._pool = None
    app.amqp._producer_pool = None
