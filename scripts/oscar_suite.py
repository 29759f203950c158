"""
Run django-oscar's own test suite with our apps installed, and name the tests that fail only
because of them.

Oscar's suite (a tar.gz of its ``tests/``, ``setup.cfg`` and LICENSE; see its README) forks five
Oscar apps and uses a custom user model, the way real shops customise Oscar: a plugin that breaks
it would break such a shop.  This script

1. finds the archive: ``--archive PATH``, else ``$OSCAR_TESTS_ARCHIVE``, else the newest
   ``../shared/oscar-tests/django-oscar-tests-*.tar.gz`` beside the project root; with none it
   exits 2, or 0 with ``--if-present``;
2. extracts it once into ``var/oscar-suite/<archive name>-<sha256[:12]>/`` (a changed archive
   gets a new folder, older folders are removed);
3. runs the suite there with ``oscar_suite_site.settings`` (``scripts/oscar_suite_site/``):
   Oscar's ``tests.settings`` plus ``OUR_APPS``, the tracking middleware and our URLs as the
   README installs them.  Both runs give every pytest-xdist worker its own Whoosh index and public
   (media) folder (``oscar_suite_site.bare``), so the comparison needs no retries;
4. reruns the tests that failed or errored, alone and in one worker (collection order), with our
   apps and on bare Oscar (``oscar_suite_site.bare``): those that fail with our apps and pass
   without are *ours*.  Rerunning them with our apps too makes the comparison like for like:
   some of Oscar's tests depend on which tests ran before them in the same worker (the
   thank-you view tests pass only while the URLconf was first built inside them), so a test
   that fails in the whole run may pass in any small rerun.  Those that pass alone both ways are
   listed as order-dependent, not ours.  ``--full`` runs the whole suite on bare Oscar too and
   prints both counts side by side; a test that fails in the whole run with our apps and not in
   the bare one is ours, and its reruns tell whether it also fails alone.

Exit status: 0 when no test fails only with our apps, 1 when some do (they are listed), 2 when a
run could not be compared (no archive, pytest crashed, collection failed).

Usage::

    .venv/bin/python scripts/oscar_suite.py [--database sqlite|postgres] [--full] [-n 2]
        [--archive PATH] [--if-present] [-- pytest arguments of the whole-suite runs, e.g.
        tests/integration/basket or -k basket]

``--database postgres`` reads ``TEST_POSTGRES_URL`` (default
``postgres://postgres@127.0.0.1:5432/shop``); Oscar's suite creates ``test_<name>_gw0``, … there.
It needs Oscar's test requirements (WebTest, django-webtest, freezegun, sorl-thumbnail,
easy-thumbnails, pytest-xdist, Whoosh; pinned in requirements.txt).  Standard library only.
"""

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
CACHE = ROOT / "var" / "oscar-suite"
ARCHIVE_GLOB = "django-oscar-tests-*.tar.gz"
DEFAULT_ARCHIVE_DIR = ROOT.parent / "shared" / "oscar-tests"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/shop")
WITH_APPS = "oscar_suite_site.settings"
BARE = "oscar_suite_site.bare"
COUNT_KEYS = ("passed", "failed", "errors", "skipped", "xfailed", "xpassed", "subtests passed",
              "subtests failed")
BAD = {"failed", "error"}
# The caller's shell must not reach into the runs: Oscar's settings read DATABASE_*, Celery's
# default app reads CELERY_BROKER_URL.
SCRUBBED = ("DATABASE_ENGINE", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD",
            "DATABASE_HOST", "DATABASE_PORT", "DATABASE_URL", "DJANGO_SETTINGS_MODULE",
            "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "PYTEST_ADDOPTS")


class RunBroken(Exception):
    """A pytest run whose outcome cannot be compared (crash, usage or collection error)."""


def find_archive(option):
    """The archive to use, or ``None``: the option, else the env var, else the newest match."""
    given = option or os.environ.get("OSCAR_TESTS_ARCHIVE")
    if given:
        path = Path(given).expanduser()
        return path if path.is_file() else None
    matches = sorted(DEFAULT_ARCHIVE_DIR.glob(ARCHIVE_GLOB), key=lambda p: p.stat().st_mtime)
    return matches[-1] if matches else None


def extract(archive):
    """The folder holding the archive's ``tests/`` (extracted once per archive content)."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:12]
    stem = archive.name.removesuffix(".tar.gz")
    target = CACHE / f"{stem}-{digest}"
    if (target / "tests" / "settings.py").is_file():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    for old in CACHE.iterdir():  # other archives, interrupted extractions: not needed any more
        if old.is_dir():
            shutil.rmtree(old)
    staging = Path(tempfile.mkdtemp(dir=CACHE, prefix=".extract-"))
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    # The archive holds one top-level folder (django-oscar-tests/) or the files themselves.
    entries = list(staging.iterdir())
    top = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
    if not (top / "tests" / "settings.py").is_file():
        shutil.rmtree(staging)
        raise RunBroken(f"{archive} holds no tests/settings.py")
    top.rename(target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def database_env(database):
    """Oscar's ``tests/settings.py`` reads the database from DATABASE_* variables."""
    if database == "sqlite":
        # Django's test database for SQLite lives in memory; the name is a placeholder.
        return {"DATABASE_ENGINE": "django.db.backends.sqlite3",
                "DATABASE_NAME": str(CACHE / "oscar.sqlite3")}
    url = urlparse(POSTGRES_URL)
    env = {
        "DATABASE_ENGINE": "django.db.backends.postgresql",
        "DATABASE_NAME": unquote(url.path.lstrip("/")) or "postgres",
        "DATABASE_HOST": url.hostname or "127.0.0.1",
        "DATABASE_PORT": str(url.port or 5432),
    }
    if url.username:
        env["DATABASE_USER"] = unquote(url.username)
    if url.password:
        env["DATABASE_PASSWORD"] = unquote(url.password)
    return env


def check_database(database):
    """Fail early: without its server every database test errors both ways, which compares
    as "not ours"."""
    if database != "postgres":
        return
    env = database_env(database)
    try:
        with socket.create_connection((env["DATABASE_HOST"], int(env["DATABASE_PORT"])), 5):
            pass
    except OSError as exc:
        raise RunBroken(f"PostgreSQL ({POSTGRES_URL}) is not reachable: {exc}") from None


def run_suite(label, folder, settings, database, workers, selection, extra):
    """Run pytest in ``folder`` with ``settings``; returns the plugin's report dict."""
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
    env.update(database_env(database))
    # scripts/ for oscar_suite_site, the project root for our apps.  The extracted folder is
    # pytest's working directory, so its `tests` package wins over our own `tests`.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SCRIPTS), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    report_file = folder / f"report-{label}.json"
    report_file.unlink(missing_ok=True)
    env["OSCAR_SUITE_REPORT"] = str(report_file)
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "oscar_suite_site.report", f"--ds={settings}", "-rfE", "--tb=short",
            # The cache lives inside our project: pytest-django must not find our manage.py
            # and put the project root before Oscar's tests on the path.
            "-o", "django_find_project=false"]
    if workers > 0:
        args += ["-n", str(workers)]
    # No paths: setup.cfg's testpaths (tests/).  Node ids go in a file (pytest's @file
    # arguments): no command-line length limit.
    if selection is not None:
        ids_file = folder / f"ids-{label}.txt"
        ids_file.write_text("".join(f"{nodeid}\n" for nodeid in selection))
        args.append(f"@{ids_file}")
    else:
        args += extra  # paths or -k of the caller: whole-suite runs only
    log_file = folder / f"pytest-{label}.log"
    print(f"\n=== {label}: {settings}, {database}, "
          f"{'whole suite' if selection is None else f'{len(selection)} tests'} "
          f"(log: {log_file.relative_to(ROOT)}) ===", flush=True)
    started = time.monotonic()
    with open(log_file, "w") as log:
        process = subprocess.Popen(args, cwd=folder, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        tail = []
        for line in process.stdout:
            log.write(line)
            tail = (tail + [line])[-40:]
        status = process.wait()
    seconds = time.monotonic() - started
    if status not in (0, 1) or not report_file.is_file():
        sys.stdout.write("".join(tail))
        raise RunBroken(f"{label}: pytest exited {status} (see {log_file})")
    report = json.loads(report_file.read_text())
    if report["collection_errors"]:
        sys.stdout.write("".join(tail))
        raise RunBroken(f"{label}: collection errors in {', '.join(report['collection_errors'])}")
    report["seconds"] = seconds
    print(tail[-1].strip() if tail else "(no output)")
    print(f"{label}: {counts_text(report)} in {seconds:.0f} s", flush=True)
    return report


def counts_text(report):
    counts = report["counts"]
    shown = [f"{counts.get(k, 0)} {k}" for k in COUNT_KEYS
             if counts.get(k) or k in ("passed", "failed", "errors", "skipped")]
    return ", ".join(shown)


def bad_ids(report):
    return sorted(nodeid for nodeid, outcome in report["tests"].items() if outcome in BAD)


def classify(candidates, with_rerun, bare_rerun):
    """Split the candidates by their outcomes when rerun alone, in one worker, both ways."""
    groups = {"ours": [], "both": [], "order": [], "undecided": []}
    for nodeid in candidates:
        mine, bare = with_rerun["tests"].get(nodeid), bare_rerun["tests"].get(nodeid)
        if mine not in BAD:
            groups["order"].append(nodeid)
        elif bare == "passed":
            groups["ours"].append(nodeid)
        elif bare in BAD:
            groups["both"].append(nodeid)
        else:  # skipped on bare Oscar, or not run there: cannot say
            groups["undecided"].append(f"{nodeid} (bare: {bare or 'not run'})")
    return groups


def print_group(title, nodeids):
    if nodeids:
        print(f"\n{title} ({len(nodeids)}):")
        print("".join(f"  {nodeid}\n" for nodeid in nodeids), end="")


def main(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", help="the suite's tar.gz (default: $OSCAR_TESTS_ARCHIVE, "
                        f"else {DEFAULT_ARCHIVE_DIR}/{ARCHIVE_GLOB})")
    parser.add_argument("--if-present", action="store_true",
                        help="exit 0 with a message when there is no archive")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--full", action="store_true",
                        help="run the whole suite on bare Oscar too, not only our failures")
    parser.add_argument("-n", "--workers", type=int, default=2,
                        help="pytest-xdist workers of the whole-suite runs (0: no xdist); default 2")
    parser.add_argument("pytest_args", nargs="*",
                        help="after --: passed to pytest in the whole-suite runs (not the reruns)")
    options = parser.parse_args(argv)

    archive = find_archive(options.archive)
    if archive is None:
        where = options.archive or os.environ.get("OSCAR_TESTS_ARCHIVE") or (
            f"{DEFAULT_ARCHIVE_DIR}/{ARCHIVE_GLOB}")
        print(f"Oscar's test suite not found: {where}.", flush=True)
        if options.if_present:
            print("Skipped (--if-present).")
            return 0
        return 2

    started = time.monotonic()
    # Reruns go through one worker: the tests in collection order, the same order both ways.
    rerun_workers = 1 if options.workers > 0 else 0
    groups = {"ours": [], "both": [], "order": [], "undecided": []}
    bare_full = bare_rerun = None
    try:
        check_database(options.database)
        folder = extract(archive)
        print(f"Oscar's test suite: {archive} -> {folder.relative_to(ROOT)}", flush=True)

        def run(label, settings, selection, workers=options.workers):
            return run_suite(f"{label}-{options.database}", folder, settings, options.database,
                             workers, selection, options.pytest_args)

        with_full = run("with-apps", WITH_APPS, None)
        candidates = bad_ids(with_full)
        if options.full:
            bare_full = run("bare", BARE, None)
            failing_bare = set(bad_ids(bare_full))
            groups["both"] = [nodeid for nodeid in candidates if nodeid in failing_bare]
            candidates = [nodeid for nodeid in candidates if nodeid not in failing_bare]
        if candidates:
            with_rerun = run("with-apps-rerun", WITH_APPS, candidates, rerun_workers)
            bare_rerun = run("bare-rerun", BARE, candidates, rerun_workers)
            found = classify(candidates, with_rerun, bare_rerun)
            if options.full:  # failed in the whole run with our apps, passed in the bare one
                groups["ours"] += [f"{nodeid} (order-dependent: passes alone with our apps)"
                                   for nodeid in found.pop("order")]
            for key, nodeids in found.items():
                groups[key] += nodeids
    except RunBroken as exc:
        print(f"\nOscar suite: could not compare: {exc}", flush=True)
        return 2

    print_group("Fail on bare Oscar too (not ours)", groups["both"])
    print_group("Fail in the whole run with our apps, pass when rerun alone with and without them "
                "(order-dependent, not ours by this check; --full compares the whole runs)",
                groups["order"])
    print_group("Fail with our apps, not passed on bare Oscar", groups["undecided"])
    print_group("Fail only with our apps (fail alone with them, pass alone without)",
                groups["ours"])
    if bare_full:
        bare_text = f"{counts_text(bare_full)} (whole suite)"
    elif bare_rerun:
        bare_text = f"{counts_text(bare_rerun)} (rerun of the {len(candidates)} failing)"
    else:
        bare_text = "not run (nothing failed)"
    print(f"\nOscar suite ({options.database}): with our apps: {counts_text(with_full)}; "
          f"bare: {bare_text}; ours: {len(groups['ours'])} "
          f"[{time.monotonic() - started:.0f} s]", flush=True)
    return 1 if groups["ours"] or groups["undecided"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
