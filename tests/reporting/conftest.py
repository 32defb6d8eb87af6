import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The `people` fixture hashes a password per account; PBKDF2 dominates these tests' run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
