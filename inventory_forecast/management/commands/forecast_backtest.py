"""``manage.py forecast_backtest CSV``: accuracy and calibration of forecasters on exported sales."""

import time
import warnings
from datetime import date, datetime

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from inventory_forecast import backtesting, calibration, chunks, conf, forecasters, holdout
from inventory_forecast.forecasters import levels
from inventory_forecast.history import fill_missing, period_series, read_sales_csv
from oscar_insights import csvfiles
from oscar_insights.registry import UnknownComponent


def one_step_residuals(model, y):
    """In-sample one-step residuals of a fitted statsforecast-style model on ``y``."""
    window = getattr(model, "window_size", None)
    if window:  # WindowAverage has no fitted values: its one-step forecast is the window mean
        means = np.convolve(y, np.ones(window) / window, mode="valid")[:-1]
        return y[window:] - means
    try:
        fitted = model.forecast(y=y, h=1, fitted=True)["fitted"]
    except (TypeError, KeyError, NotImplementedError):
        fitted = np.r_[np.nan, y[:-1]]  # Naive's
    return y - np.asarray(fitted, dtype=float)


class Command(BaseCommand):
    help = (
        "Hold out the last periods of every series of a long-format sales CSV (plain or gzip), "
        "forecast them with each forecaster, and print accuracy (RMSSE relative to Naive, WAPE, "
        "bias, MAE) and inventory calibration (realised stock-out share at the target service "
        "level, mean safety stock).  Empty quantities are missing, not zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        csvfiles.add_arguments(parser, user=False)
        parser.add_argument("--period", choices=["D", "W", "M"], default="W",
                            help="daily, weekly (7-day periods ending on --end) or monthly")
        parser.add_argument("--end", help="last day (YYYY-MM-DD) counted; default: the day "
                                          "before the last day in the file (often partial)")
        parser.add_argument("--horizon", type=int, default=8, help="periods held out")
        parser.add_argument("--lead-time", type=int, default=None,
                            help="periods of the stock-out window (default: the horizon)")
        parser.add_argument("--service-level", type=float, default=0.95)
        parser.add_argument("--min-history", type=int, default=8)
        parser.add_argument("--min-selling", type=int, default=2)
        parser.add_argument("--forecasters", default=None,
                            help="comma-separated names from INVENTORY_FORECAST_FORECASTERS "
                                 "(default: all); naive is always included")

    def handle(self, *args, **options):
        names = ([n.strip() for n in options["forecasters"].split(",") if n.strip()]
                 if options["forecasters"] else list(conf.FORECASTERS))
        names = ["naive"] + [n for n in names if n != "naive"]
        try:
            for name in names:
                forecasters.spec(name)
        except UnknownComponent as exc:
            raise CommandError(str(exc)) from exc
        if not 0.5 < options["service_level"] < 1:
            raise CommandError("--service-level must lie between 0.5 and 1, e.g. 0.95.")
        h = options["horizon"]
        lead = options["lead_time"] or h
        if not 1 <= lead <= h:
            raise CommandError("--lead-time must lie between 1 and --horizon periods.")
        try:
            daily, skipped = read_sales_csv(
                options["path"], csvfiles.columns(options, user=False), options["date_format"],
                options["item_pattern"],
            )
        except csvfiles.CsvFileError as exc:
            raise CommandError(str(exc)) from exc
        if options["end"]:
            try:
                end = datetime.strptime(options["end"], "%Y-%m-%d").date()
            except ValueError as exc:
                raise CommandError(f"--end: {exc}") from exc
        else:
            last = max((d for days in daily.values() for d in days), default=None)
            if last is None:
                raise CommandError("No usable rows in the file.")
            end = date.fromordinal(last.toordinal() - 1)
        given = period_series(daily, options["period"], end, given_rows=True)
        series = {key: fill_missing(s.values) for key, s in given.items()}
        held = holdout.holdout(series, h, options["min_history"], options["min_selling"])
        self.stdout.write(
            f"{len(daily):,} ids ({sum(skipped.values()):,} rows dropped: {dict(skipped)}); "
            f"periods {options['period']} up to {end}; {len(held):,} series with at least "
            f"{options['min_history']} periods and {options['min_selling']} with demand; "
            f"last {h} held out; stock-out window {lead} periods at {options['service_level']:.0%}"
        )
        if not held:
            raise CommandError("No series long enough for the hold-out.")
        self.report(held, names, h, lead, options["service_level"])

    def report(self, held, names, h, lead, service_level):
        trains = [train for _k, train, _t in held]
        tests = np.array([test for _k, _tr, test in held])
        window = tests[:, :lead]
        header = (f"{'forecaster':<20}{'RMSSE':>8}{'rel Naive':>10}{'WAPE':>8}{'bias':>8}"
                  f"{'MAE':>8}{'stock-out':>11}{'mean SS':>9}{'s':>7}")
        self.stdout.write(header)
        naive_rmsse = None
        notes = []
        for name in names:
            started = time.perf_counter()
            # As a run forecasts: in chunks, a panel forecaster fitted on each chunk at once.
            forecasts, too_short = self.forecast(name, held, h)
            safety = []
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for train in trains:
                    residuals = one_step_residuals(forecasters.build(name), train)
                    safety.append(holdout.textbook_safety_stock(residuals, lead, service_level))
            if too_short:
                notes.append(f"{name}: {too_short:,} series too short for the method, "
                             "forecast by their mean.")
            scores = holdout.accuracy(trains, tests, forecasts)
            naive_rmsse = naive_rmsse or scores["rmsse"]
            share = holdout.stockout_share(window, forecasts[:, :lead], safety)
            self.stdout.write(
                f"{name:<20}{scores['rmsse']:>8.3f}{scores['rmsse'] / naive_rmsse:>10.3f}"
                f"{scores['wape']:>8.3f}{scores['bias']:>+8.3f}{scores['mae']:>8.2f}"
                f"{share:>10.1%} {np.mean(safety):>8.1f}{time.perf_counter() - started:>7.1f}"
            )
        for note in notes:
            self.stdout.write(note)
        self.stdout.write("Stock-out share and mean safety stock (units) use the textbook "
                          "z·σ·√lead time, σ = RMS of one-step in-sample residuals (Naive's "
                          "for forecasters without fitted values).")
        self.engine(held, trains, tests, window, h, lead, service_level, naive_rmsse)

    @staticmethod
    def forecast(name, held, h):
        """(forecasts, series too short for the method) of every held-out series."""
        parts, too_short = [], 0
        for start, stop in chunks.chunk_bounds(len(held), conf.CHUNK_SIZE):
            X = levels.align([train for _k, train, _t in held[start:stop]])
            raw = backtesting.forecast_matrix(name, X, h, fallback=False)
            bad = ~np.isfinite(raw).all(axis=1)
            too_short += int(bad.sum())
            if bad.any():
                raw[bad] = np.nanmean(X[bad], axis=1)[:, None]
            parts.append(raw)
        return np.vstack(parts), too_short

    def engine(self, held, trains, tests, window, h, lead, service_level, naive_rmsse):
        """The forecast engine as a run uses it: its method (in chunks, as a run), backtests
        and calibration."""
        started = time.perf_counter()
        method = conf.METHOD
        panel = backtesting.Backtest.concat([
            backtesting.forecast_panel(
                [key for key, _t, _h in part], levels.align([train for _k, train, _t in part]),
                method, h, lead, lead, conf.BACKTEST_ORIGINS)
            for part in (held[start:stop] for start, stop in
                         chunks.chunk_bounds(len(held), conf.CHUNK_SIZE))
        ])
        quantiles, level, checked = calibration.calibrate(panel, service_level)
        safety = calibration.safety_stocks(panel, quantiles, service_level)
        forecasts = panel.forecast
        scores = holdout.accuracy(trains, tests, forecasts)
        share = holdout.stockout_share(window, forecasts[:, :lead], safety)
        self.stdout.write(
            f"{'engine: ' + method:<20}{scores['rmsse']:>8.3f}{scores['rmsse'] / naive_rmsse:>10.3f}"
            f"{scores['wape']:>8.3f}{scores['bias']:>+8.3f}{scores['mae']:>8.2f}"
            f"{share:>10.1%} {np.mean(safety):>8.1f}{time.perf_counter() - started:>7.1f}"
        )
        how = (f"per-class quantile of pooled scaled errors of {conf.BACKTEST_ORIGINS} recent "
               f"backtest windows at level {level:.3f} (raised from {service_level:.3f} until "
               "the most recent window, checked against older windows, met the target: "
               f"{'n/a' if checked is None else format(checked, '.1%')} of its windows "
               "uncovered)"
               if quantiles is not None else "textbook z·σ·√lead time (too little history)")
        self.stdout.write(
            f"Engine: safety stock = {how}; mean forecast over the window "
            f"{forecasts[:, :lead].sum(axis=1).mean():.1f} units."
        )
