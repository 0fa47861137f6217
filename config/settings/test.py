"""Settings for the test suite: fast hashing, no static manifest, deterministic env."""

import os

os.environ["DEBUG"] = "false"  # tests run with production settings
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "test-field-encryption-key-" + "f" * 32)
os.environ.setdefault("BLIND_INDEX_KEY", "test-blind-index-key-" + "b" * 32)

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"] == "safeserve.common.db.sqlite3":  # noqa: F405
    # In memory, one per process (pytest-django recognises only Django's own engine name).
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
# A second connection to the test database stands in for a read replica; only the tests that
# say so read from it (READ_REPLICA stays off: common/tests/test_replica.py turns it on).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
READ_REPLICA = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = BASE_DIR / "build" / "test-media"  # noqa: F405
