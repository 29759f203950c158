"""Django set-up shared by the benchmark scripts: the shop's settings, production-like (DEBUG off)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(**environ):
    """Configure and start Django with the shop settings; ``environ`` overrides variables."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-secret-key")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    # Production settings over plain HTTP on loopback.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                 "SECURE_HSTS_SECONDS"):
        os.environ.setdefault(f"DJANGO_{name}", "0")
    os.environ.update(environ)
    import django

    django.setup()
