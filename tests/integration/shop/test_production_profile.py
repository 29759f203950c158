"""
The production profile (README, "Production"): DEBUG off, PostgreSQL, Redis cache and broker,
gunicorn with WhiteNoise.  ``check --deploy`` finds nothing to warn about, and gunicorn serves
the static files over HTTPS only: plain HTTP is redirected, HTTPS (as a TLS-terminating proxy
says it with X-Forwarded-Proto) gets HSTS.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def production_env(tmp_path, **extra):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "shop.example.com,127.0.0.1",
        "DATABASE_URL": os.environ.get("DATABASE_URL",
                                       "postgres://postgres@127.0.0.1:5432/shop"),
        "CACHE_URL": "redis://127.0.0.1:6379/1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "SHOP_VAR_DIR": str(tmp_path / "var"),
    }
    # The test suite's own relaxations (plain HTTP) are not the profile's.
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                 "SECURE_HSTS_SECONDS"):
        env.pop(f"DJANGO_{name}", None)
    return {**env, **extra}


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_check_deploy_finds_nothing_under_the_production_profile(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_profile_without_https_is_what_check_deploy_warns_about(tmp_path):
    env = production_env(tmp_path, DJANGO_SECURE_SSL_REDIRECT="0",
                         DJANGO_SESSION_COOKIE_SECURE="0")
    result = manage(env, "check", "--deploy")
    report = result.stdout + result.stderr
    assert "security.W008" in report and "security.W012" in report


def fetch(url, **headers):
    request = urllib.request.Request(url, headers={"Host": "shop.example.com", **headers})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        response = urllib.request.build_opener(NoRedirect).open(request, timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, b""
    return response.status, response.headers, response.read()


@pytest.mark.slow
def test_gunicorn_serves_the_static_files_over_https_only(tmp_path):
    env = production_env(tmp_path, DJANGO_SECURE_PROXY_SSL_HEADER="1")
    collected = manage(env, "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "shop.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", "2"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.3)
        url = f"http://127.0.0.1:{port}/static/oscar_insights/insights.js"
        status, headers, _body = fetch(url)
        assert status == 301
        assert headers["Location"] == "https://shop.example.com/static/oscar_insights/insights.js"
        status, headers, body = fetch(url, **{"X-Forwarded-Proto": "https"})
        assert status == 200 and b"data-chart" in body  # WhiteNoise, from STATIC_ROOT
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload")
    finally:
        server.terminate()
        server.wait(timeout=20)
