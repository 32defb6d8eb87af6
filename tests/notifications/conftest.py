import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The shared staff factory hashes a password per user; PBKDF2 would dominate these tests."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
