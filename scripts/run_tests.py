"""
Run the whole test suite twice: on the embedded set-up (SQLite, filesystem Celery broker,
in-process cache), then against PostgreSQL and Redis.

The second pass needs PostgreSQL on TEST_POSTGRES_URL and Redis on TEST_REDIS_URL (defaults
below).  When they are not reachable the pass is skipped with a warning, unless CI=true or
REQUIRE_SERVICES=1, where it fails.  Extra arguments are passed to pytest.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/shop")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def reachable(url):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=2):
            return True
    except OSError:
        return False


def pytest(label, extra_env, args):
    env = {**os.environ, **extra_env}
    # The embedded pass must not inherit service URLs from the caller's shell.
    if not extra_env:
        for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "REDIS_URL"):
            env.pop(name, None)
    print(f"\n=== Test pass: {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env)


def main(args):
    status = pytest("SQLite, filesystem broker, local-memory cache", {}, args)
    required = os.environ.get("CI") == "true" or os.environ.get("REQUIRE_SERVICES") == "1"
    if reachable(POSTGRES_URL) and reachable(REDIS_URL):
        services = {
            "DATABASE_URL": POSTGRES_URL,
            "CELERY_BROKER_URL": f"{REDIS_URL}/14",
            "REDIS_URL": f"{REDIS_URL}/15",
        }
        status = pytest("PostgreSQL, Redis broker, Redis cache", services, args) or status
    elif required:
        print(f"PostgreSQL ({POSTGRES_URL}) or Redis ({REDIS_URL}) is not reachable.", flush=True)
        status = status or 1
    else:
        print(
            "\nWARNING: PostgreSQL or Redis not reachable: the service pass was skipped "
            "(set REQUIRE_SERVICES=1 to make this an error).",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
