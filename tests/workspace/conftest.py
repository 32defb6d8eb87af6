import pytest


@pytest.fixture(autouse=True)
def fast_setup(settings):
    # autouse: runs before `people`, so its users are hashed with the cheap test hasher
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
