"""
The package boundaries the README describes, read from the code itself: who may import whom,
which modules stay free of the ORM, and which migrations other apps' migrations may name.
"""

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("oscar_insights", "recommendations", "inventory_forecast")


def modules(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def imported(path):
    """Every module name ``path`` imports (relative imports resolved), anywhere in the file."""
    inside = path.is_relative_to(ROOT)
    package = list(path.relative_to(ROOT).with_suffix("").parts)[:-1] if inside else []
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            if module:
                names.add(module)
            names.update(f"{module}.{alias.name}" if module else alias.name
                         for alias in node.names)
    return names


def offenders(package, forbidden, paths=None):
    found = []
    for path in paths or modules(package):
        bad = sorted(n for n in imported(path)
                     if any(n == f or n.startswith(f + ".") for f in forbidden))
        if bad:
            found.append((path.name, bad))
    return found


@pytest.mark.parametrize("package, forbidden", [
    ("oscar_insights", ("recommendations", "inventory_forecast", "shop")),
    ("recommendations", ("inventory_forecast", "shop")),
    ("inventory_forecast", ("recommendations", "shop")),
])
def test_packages_import_only_what_the_layering_allows(package, forbidden):
    assert offenders(package, forbidden) == []


def test_algorithms_depend_on_nothing_of_datasets_or_evaluation():
    paths = list((ROOT / "recommendations" / "algorithms").glob("*.py"))
    assert paths
    assert offenders("recommendations", ("recommendations.datasets",
                                         "recommendations.evaluation"), paths) == []


def test_the_recommender_maths_never_touch_the_orm():
    package = ROOT / "recommendations"
    paths = [package / f"{name}.py" for name in
             ("eventlog", "trainsets", "evaluation", "related", "measures")]
    paths += list((package / "algorithms").glob("*.py"))
    orm = ("django.db", "oscar.core.loading", "recommendations.models")
    assert offenders("recommendations", orm, paths) == []


def test_the_forecasting_maths_never_touch_the_orm():
    package = ROOT / "inventory_forecast"
    paths = [package / f"{name}.py" for name in
             ("backtesting", "calibration", "holdout", "replenishment")]
    paths += list((package / "forecasters").glob("*.py"))
    orm = ("django.db", "oscar.core.loading", "inventory_forecast.models")
    assert offenders("inventory_forecast", orm, paths) == []


def test_the_detector_sees_a_forbidden_import(tmp_path):
    # The checks above would pass vacuously if imports were not read: feed them some.
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nfrom recommendations import conf\n"
                     "def f():\n    import inventory_forecast.models\n")
    found = offenders("oscar_insights", ("recommendations", "inventory_forecast"), [probe])
    assert found == [("probe.py", ["inventory_forecast.models", "recommendations",
                                   "recommendations.conf"])]


@pytest.mark.parametrize("package", PACKAGES)
def test_migrations_name_only_the_first_migration_of_other_apps(package):
    """A shop's forked Oscar app has a migration history of its own: naming its latest
    migration (partner 0007, catalogue 0032...) breaks every shop whose fork numbers them
    differently."""
    folder = ROOT / package / "migrations"
    ours = set(PACKAGES)
    for path in sorted(folder.glob("0*.py")):
        module = importlib.import_module(f"{package}.migrations.{path.stem}")
        for app, name in module.Migration.dependencies:
            if app in ours:
                continue
            assert name == "__first__", f"{path.name} depends on ({app!r}, {name!r})"


def test_templates_load_scripts_from_files_only():
    """A strict content-security policy blocks inline scripts, handlers and styles: the apps'
    templates have none (their pages load oscar_insights/insights.js and Chart.js)."""
    import re

    offending = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("templates/**/*.html")):
            html = path.read_text()
            for tag in re.findall(r"<script\b[^>]*>", html):
                if "src=" not in tag:
                    offending.append(f"{path.relative_to(ROOT)}: {tag}")
            offending += [f"{path.relative_to(ROOT)}: {m}" for m in
                          re.findall(r"\s(on[a-z]+=|style=)\S+", html)]
    assert offending == []
