"""
Test settings: the shop's own settings, with state in a fresh temporary folder.

The services come from the same environment variables as the shop's (DATABASE_URL,
CELERY_BROKER_URL, REDIS_URL), so `scripts/run_tests.py` runs the suite once embedded and once
against PostgreSQL and Redis.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("SHOP_VAR_DIR", tempfile.mkdtemp(prefix="shop-tests-"))
# Production settings, but over plain HTTP: the test client and the live server speak it.
for _name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
              "SECURE_HSTS_SECONDS"):
    os.environ.setdefault(f"DJANGO_{_name}", "0")

from shop.settings import *  # noqa: E402,F401,F403
from shop.settings import DATABASES, STATIC_ROOT, VAR_DIR  # noqa: E402

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder

# A file, not memory, so that a Celery worker process can share the test database.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Index products only when a test asks for it (update_index), not on every save.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
