"""Test settings: the production module with only what tests must change overridden.

Tests run against the real PostGIS (DATABASE_URL or the embedded cluster) and, for the channel
layer, the real Redis that `make test` starts (REDIS_URL).
"""

import os

# Tests run in production mode (DEBUG off) so they see what a deployment sees; the secret is a
# test-only value set before the base module reads it.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "x7Qp2Lr9Vz" * 5)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from config import settings as _base

globals().update({name: value for name, value in vars(_base).items() if name.isupper()})

# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Manifest storage needs collectstatic; tests use the plain storage.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Serve static files straight from the apps (no collectstatic needed to run pytest).
SERVESTATIC_USE_FINDERS = True
SERVESTATIC_AUTOREFRESH = True
