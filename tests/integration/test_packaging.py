"""
The core and the two apps ship as one pip-installable distribution: build the wheel, install it
into another Oscar project that has no ``shop`` package and no access to this repository, and
use it the way a shop would — each app on its own (with the core), into a project whose
partner and catalogue apps are forks with a migration history of their own.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PACKAGES = ("oscar_insights", "recommendations", "inventory_forecast")

pytestmark = pytest.mark.slow


def run(args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    # Build from a copy, so the build leaves nothing in the work tree.
    for name in ("pyproject.toml", "README.md", "LICENSE", *PACKAGES):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist),
         str(source)], cwd=source)
    (built,) = dist.glob("*.whl")
    return built


def test_wheel_holds_every_file_of_the_three_packages_and_nothing_of_the_demo(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    missing = sorted(shipped - names)
    assert not missing, f"not in the wheel: {missing}"
    # Migrations and templates are package data a shop cannot do without.
    assert any(n.startswith("recommendations/migrations/0001") for n in names)
    assert any(n.startswith("inventory_forecast/templates/") for n in names)
    assert "oscar_insights/migrations/0001_initial.py" in names
    assert not [n for n in names if n.startswith(("shop/", "tests/", "data/", "docs/"))]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    requires = [line.split(": ", 1)[1] for line in text.splitlines()
                if line.startswith("Requires-Dist: ")]
    assert any(r.startswith("pandas") for r in requires)  # imported by recommendations.datasets
    # The demo's own needs are not forced on a shop.
    for demo_only in ("django-celery-beat", "honcho", "whitenoise", "django-environ"):
        assert not any(r.startswith(demo_only) for r in requires), demo_only
    assert not any("==" in r.split(";")[0] for r in requires)  # bounds, not pins
    assert any(r.startswith("pytest") and 'extra == "test"' in r for r in requires)


@pytest.fixture(scope="module")
def site(wheel, tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
         str(target), str(wheel)], cwd=target)
    return target


def project(site, tmp_path, apps, forked):
    """An Oscar project beside the installed wheel; returns ``(folder, environment)``."""
    folder = tmp_path / "project"
    shutil.copytree(FIXTURES / "other_shop", folder)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{site}:{folder}",
        "DJANGO_SETTINGS_MODULE": "other_shop_settings",
        "OTHER_SHOP_APPS": ",".join(apps),
        "OTHER_SHOP_FORKED": "1" if forked else "0",
    }
    where = run([sys.executable, "-c", "import oscar_insights; print(oscar_insights.__file__)"],
                cwd=folder, env=env)
    assert str(site) in where  # the installed wheel, not this repository
    assert subprocess.run([sys.executable, "-c", "import shop"], cwd=folder,
                          env=env).returncode != 0  # the demo project is not part of it
    return folder, env


def django(args, folder, env):
    return run([sys.executable, "-m", "django", *args], cwd=folder, env=env)


def test_forked_partner_and_catalogue_have_their_own_history(site, tmp_path):
    folder, env = project(site, tmp_path, ["recommendations", "inventory_forecast"], forked=True)
    shown = django(["showmigrations", "partner", "catalogue", "-l"], folder, env)
    assert "0007_shop_bin_location_and_oscar_4" in shown and "0028_shop_season" in shown
    assert "0007_partneraddress_code" not in shown and "0032_" not in shown


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "bare"])
def test_recommendations_alone_migrates_and_trains(site, tmp_path, forked):
    folder, env = project(site, tmp_path, ["recommendations"], forked)
    checked = django(["check"], folder, env)
    assert "oscar_insights.W001" in checked  # no Celery broker in this shop: said, not fatal
    django(["migrate", "--noinput", "-v0"], folder, env)
    out = django(["import_order_history", str(FIXTURES / "order_history_small.csv"),
                  "--no-progress"], folder, env)
    assert "Orders created: 6 (9 lines)" in out
    assert "set_demo_stock_levels" not in django(["help"], folder, env)  # forecasting absent
    out = django(["train_recommendations"], folder, env)
    assert "Published version #1: blend" in out  # a young shop: the default, unjudged
    counts = django(["shell", "-c",
                     "from recommendations.models import Interaction, RecommenderVersion as V;"
                     "print(Interaction.objects.filter(event_type='purchase').count(),"
                     " V.objects.filter(status='current').count())"], folder, env)
    purchases, current = map(int, counts.split()[-2:])
    assert purchases > 0  # the import's signal reached the installed recommendations app
    assert current == 1


@pytest.mark.parametrize("forked", [True, False], ids=["forked", "bare"])
def test_inventory_forecast_alone_migrates_and_forecasts(site, tmp_path, forked):
    folder, env = project(site, tmp_path, ["inventory_forecast"], forked)
    django(["check"], folder, env)
    django(["migrate", "--noinput", "-v0"], folder, env)
    out = django(["import_order_history", str(FIXTURES / "order_history_small.csv"),
                  "--no-progress"], folder, env)
    assert "Orders created: 6 (9 lines)" in out
    assert "train_recommendations" not in django(["help"], folder, env)  # recommendations absent
    assert "4 stock records" in django(["set_demo_stock_levels"], folder, env)
    django(["run_forecasts"], folder, env)
    found = django(["shell", "-c",
                    "from inventory_forecast.models import ForecastRun, SkuForecast;"
                    "print(ForecastRun.objects.filter(status='current').count(),"
                    " *sorted(SkuForecast.objects.values_list('stockrecord__partner_sku',"
                    " flat=True)))"], folder, env)
    # The current run forecasts the two products with units left after their cancellations.
    assert found.split()[-3:] == ["1", "20001", "20003A"]
    # The dashboard section joined Oscar's dashboard: a menu entry, no urls.py line.
    page = django(["shell", "-c",
                   "from django.contrib.auth import get_user_model; from django.test import Client;"
                   "user = get_user_model().objects.create_superuser('boss', 'b@example.com', 'x');"
                   "client = Client(); client.force_login(user);"
                   "response = client.get('/dashboard/forecasts/', HTTP_HOST='localhost');"
                   "html = response.content.decode();"
                   "print(response.status_code, '20003A' in html, "
                   "'href=\"/dashboard/forecasts/\"' in client.get('/dashboard/', "
                   "HTTP_HOST='localhost').content.decode())"], folder, env)
    assert page.split()[-3:] == ["200", "True", "True"]
    # No recommendations app: nothing listens for the imported orders.
    listened = django(["shell", "-c", "from oscar_insights.signals import order_history_imported;"
                       "print(len(order_history_imported.receivers))"], folder, env)
    assert listened.split()[-1] == "0"


def test_an_app_without_the_core_says_what_is_missing(site, tmp_path):
    folder, env = project(site, tmp_path, ["recommendations"], forked=False)
    settings = folder / "no_core_settings.py"
    settings.write_text("from other_shop_settings import *  # noqa\n"
                        "INSTALLED_APPS = [a for a in INSTALLED_APPS if a != 'oscar_insights']\n")
    result = subprocess.run([sys.executable, "-m", "django", "check"], cwd=folder,
                            env={**env, "DJANGO_SETTINGS_MODULE": "no_core_settings"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "recommendations needs 'oscar_insights' in INSTALLED_APPS" in result.stderr
