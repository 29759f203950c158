"""
The two apps ship as one pip-installable distribution: build the wheel, install it into another
Oscar project that has no ``shop`` package and no access to this repository, migrate, use them.
"""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"

pytestmark = pytest.mark.slow


def run(args, cwd, env=None):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    source = tmp_path_factory.mktemp("source")
    # Build from a copy, so the build leaves nothing in the work tree.
    for name in ("pyproject.toml", "README.md", "recommendations", "inventory_forecast"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(dist), str(source)], cwd=source)
    (built,) = dist.glob("*.whl")
    return built


def test_wheel_holds_both_apps_and_nothing_of_the_demo_shop(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "recommendations/apps.py",
        "recommendations/conf.py",
        "recommendations/migrations/__init__.py",
        "inventory_forecast/apps.py",
        "inventory_forecast/importing.py",
        "inventory_forecast/migrations/__init__.py",
        "inventory_forecast/management/commands/import_order_history.py",
    ):
        assert expected in names
    assert not [n for n in names if n.startswith(("shop/", "tests/", "data/"))]


def test_installed_into_another_oscar_shop_the_apps_migrate_and_work(wheel, tmp_path):
    site = tmp_path / "site"
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)], cwd=tmp_path)
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "other_shop", project)
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": f"{site}:{project}",
        "DJANGO_SETTINGS_MODULE": "other_shop_settings",
    }
    django_admin = [sys.executable, "-m", "django"]
    where = run([sys.executable, "-c", "import inventory_forecast, recommendations; "
                 "print(inventory_forecast.__file__, recommendations.__file__)"], cwd=project, env=env)
    assert where.count(str(site)) == 2
    no_shop = subprocess.run([sys.executable, "-c", "import shop"], cwd=project, env=env)
    assert no_shop.returncode != 0  # the demo project is not part of the distribution
    run([*django_admin, "check"], cwd=project, env=env)
    run([*django_admin, "migrate", "--noinput", "-v0"], cwd=project, env=env)
    out = run([*django_admin, "import_order_history", str(FIXTURES / "order_history_small.csv"), "--no-progress"], cwd=project, env=env)
    assert "Orders created: 6 (9 lines)" in out
    out = run([*django_admin, "set_demo_stock_levels"], cwd=project, env=env)
    assert "4 stock records" in out
