"""forecast_backtest on a long-format sales CSV."""

import random
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command


def sales_csv(path, series=12, weeks=30, seed=5):
    """Daily rows id,day,units for ``series`` ids; some days empty (missing)."""
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    rows = ["sku,day,units"]
    for k in range(series):
        rate = 1 + k % 4
        for d in range(weeks * 7):
            day = start + timedelta(days=d)
            if rng.random() < 0.02:
                rows.append(f"S{k},{day},")  # unknown that day
            elif rng.random() < 0.5:
                rows.append(f"S{k},{day},{rng.randint(0, 2 * rate)}")
    path.write_text("\n".join(rows) + "\n")
    return path


def run(path, *extra):
    call_command(
        "forecast_backtest", str(path), "--id-column", "sku", "--date-column", "day",
        "--quantity-column", "units", "--date-format", "%Y-%m-%d", "--basket-column", "",
        "--price-column", "", "--item-pattern", "", *extra,
    )


@pytest.mark.django_db
def test_prints_accuracy_and_calibration_per_forecaster(tmp_path, capsys):
    run(sales_csv(tmp_path / "sales.csv"), "--forecasters", "window_average,imapa",
        "--lead-time", "4")
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert "12 series" in out and "stock-out window 4 periods at 95%" in out
    naive_rmsse = float(lines["naive"][1])
    for name in ("window_average", "imapa"):  # "rel Naive" = the row's RMSSE / Naive's
        rmsse, relative = float(lines[name][1]), float(lines[name][2])
        assert relative == pytest.approx(rmsse / naive_rmsse, abs=2e-3)  # printed to 3 places
    assert float(lines["window_average"][2]) < 1.0  # a steady rate: the average beats Naive
    engine = next(line.split() for line in out.splitlines()
                  if line.startswith("engine: learnt_combination"))
    assert float(engine[3]) == pytest.approx(float(engine[2]) / naive_rmsse, abs=2e-3)
    assert float(engine[3]) < 1.0  # the engine beats Naive on steady rates too
    assert engine[-3].endswith("%")


@pytest.mark.django_db
def test_errors_are_clear(tmp_path):
    path = sales_csv(tmp_path / "sales.csv")
    with pytest.raises(CommandError, match="Unknown forecaster 'magic'"):
        run(path, "--forecasters", "magic")
    with pytest.raises(CommandError, match="--service-level"):
        run(path, "--service-level", "95")
    with pytest.raises(CommandError, match="--lead-time"):
        run(path, "--lead-time", "9")
    with pytest.raises(CommandError, match="missing column"):
        call_command("forecast_backtest", str(path))
    with pytest.raises(CommandError, match="No series long enough"):
        run(path, "--min-history", "500")


@pytest.mark.django_db
def test_series_too_short_for_a_method_are_counted_and_forecast_by_their_mean(tmp_path, capsys):
    # 30 weekly periods, 8 held out: a 52-week season never fits.
    run(sales_csv(tmp_path / "sales.csv"), "--forecasters", "seasonal_naive,historic_average")
    out = capsys.readouterr().out
    assert "seasonal_naive: 12 series too short for the method, forecast by their mean." in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert lines["seasonal_naive"][1] == lines["historic_average"][1]  # the same forecasts
