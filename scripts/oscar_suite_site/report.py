"""
A pytest plugin (``-p oscar_suite_site.report``) that writes every test's outcome to the JSON
file named by ``OSCAR_SUITE_REPORT``: ``{"tests": {nodeid: outcome}, "counts": {...}}``.

Outcomes: ``passed``, ``failed`` (the test body failed), ``error`` (its setup or teardown
failed), ``skipped``, ``xfailed``, ``xpassed``.  Counts follow pytest's summary line (a test that
passes and then errors in teardown counts once as passed and once as an error; subtests are
counted apart, and a failed subtest makes its test ``failed``).  Under
pytest-xdist the hooks run in the controller, so the file holds the whole run.
"""

import json
import os

_WORSE = ["passed", "xpassed", "xfailed", "skipped", "failed", "error"]
_tests = {}
_collect_errors = set()  # every xdist worker collects, and may report the same error
_counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "xfailed": 0, "xpassed": 0,
           "subtests passed": 0, "subtests failed": 0}


def _outcome(report):
    """(per-test outcome, summary-line key) of one phase's report, or (None, None)."""
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return ("xfailed", "xfailed") if report.skipped else ("xpassed", "xpassed")
        return {"passed": ("passed", "passed"), "failed": ("failed", "failed"),
                "skipped": ("skipped", "skipped")}[report.outcome]
    if report.failed:
        return "error", "errors"
    if report.skipped:
        return "skipped", "skipped"
    return None, None


def pytest_runtest_logreport(report):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a worker's own copy of the hook: the controller records the run
    if type(report).__name__ == "SubtestReport":  # pytest's subtests: counted apart, as pytest does
        key = f"subtests {report.outcome}"
        _counts[key] = _counts.get(key, 0) + 1
        outcome = "failed" if report.failed else None
    else:
        outcome, key = _outcome(report)
        if key:
            _counts[key] += 1
    previous = _tests.get(report.nodeid)
    if outcome and (previous is None or _WORSE.index(outcome) > _WORSE.index(previous)):
        _tests[report.nodeid] = outcome


def pytest_collectreport(report):
    if report.failed and not os.environ.get("PYTEST_XDIST_WORKER"):
        _collect_errors.add(report.nodeid or "<collection>")


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("OSCAR_SUITE_REPORT")
    if not path or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    with open(path, "w") as handle:
        json.dump({"exitstatus": int(exitstatus), "counts": _counts, "tests": _tests,
                   "collection_errors": sorted(_collect_errors)}, handle,
                  indent=1, sort_keys=True)
