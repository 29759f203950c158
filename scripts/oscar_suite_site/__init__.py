"""Settings, URLs and a result-recording pytest plugin for running django-oscar's own test suite
(see ``scripts/oscar_suite.py``); importable only when ``scripts/`` is on the path."""
