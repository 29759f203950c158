"""
Settings of the inventory_forecast app and their defaults.

Each name ``X`` below is read from the Django setting ``INVENTORY_FORECAST_X`` when the project
sets it, else from ``DEFAULTS``; values are read at use, so ``override_settings`` works in tests.
Use as ``from inventory_forecast import conf; conf.METHOD``.  (The importer's settings are
the core's: ``OSCAR_INSIGHTS_IMPORT_*``.)
"""

from oscar_insights.conf import AppSettings

DEFAULTS = {
    # set_demo_stock_levels: the seed that makes the demo stock reproducible.
    "DEMO_STOCK_SEED": 20111209,
    # --- Forecasting (forecasters/, forecasting.py) -------------------------------------------
    # The forecaster every SKU's forecast comes from, and how many rolling origins (weeks) its
    # backtest covers: the errors that calibrate safety stock and measure accuracy.
    "METHOD": "learnt_combination",
    "BACKTEST_ORIGINS": 9,
    "HORIZON_WEEKS": 8,
    # Stock records forecast per chunk (memory stays flat with the catalogue's size); a last
    # chunk under half this size joins the one before (weights are learnt per chunk).
    "CHUNK_SIZE": 2000,
    # A chunk that fails (run as a Celery task of the run's chord) is tried again this many
    # times, after 5 s, 10 s, 20 s …; its last failure fails the run.
    "CHUNK_RETRIES": 2,
    # Weeks of history read per SKU at most (the forecast and its backtests cost grow with it).
    "HISTORY_WEEKS": 156,
    # A run without progress for this many seconds is declared dead and stops blocking.
    "RUN_TIMEOUT": 3 * 3600,
    # Superseded (and failed) runs kept, each, besides the current one.
    "KEEP_RUNS": 3,
    # The day forecasts start: None = today; "latest-order" = the day after the latest order
    # (a demo or replayed history that ended long ago).
    "AS_OF": None,
    # Replenishment defaults (per partner and per stock record in ReplenishmentSettings).
    "LEAD_TIME_DAYS": 14,
    "REVIEW_DAYS": 7,
    "SERVICE_LEVEL": 0.95,
    "PACK_SIZE": 1,
    "MINIMUM_ORDER": 0,
    # ABC classes (valuation.py): revenue over this many days before the forecast day; the
    # stock records making the first 80 % of it are A, up to 95 % B, the rest C.
    "ABC_WINDOW_DAYS": 365,
    "ABC_SHARES": (0.8, 0.95),
    # Risks that raise a stock-risk alert (a person must act).  "reorder_now" is routine
    # replenishment: it goes to the suggested purchase orders; add it here to alert on it too.
    # "forecast_break": the demand of the latest lead-time window fell far outside its forecast
    # interval (a promotion, a listing gone wrong, a data error: the plan cannot be trusted).
    "ALERT_RISKS": ("out_of_stock", "stockout_before_delivery", "forecast_break"),
    # A forecast break: the window's demand more than this many times the lead-time safety
    # stock (the interval's half-width) and at least this many units from its forecast
    # (backtesting.breaks); 0 bands: never.
    "ACCURACY_BREAK_BANDS": 2.0,
    "ACCURACY_BREAK_MIN_UNITS": 5,
    # Links in the daily digest e-mail: this root (e.g. "https://shop.example.com"), else
    # https:// and the current Site's domain.
    "DIGEST_BASE_URL": None,
    # After each committed order, queue a re-plan of its stock records (a Celery task, sent
    # with one bounded attempt).  False: the next forecast run re-plans them with the rest.
    "REPLAN_ON_ORDER": True,
    # Every forecaster by name: the class as a dotted path (statsforecast's models follow the
    # contract as they come) and its parameters; a combination names its members and weights.
    "FORECASTERS": {
        "naive": {"class": "statsforecast.models.Naive"},
        "seasonal_naive": {"class": "statsforecast.models.SeasonalNaive",
                           "params": {"season_length": 52}},
        "historic_average": {"class": "statsforecast.models.HistoricAverage"},
        "window_average": {"class": "statsforecast.models.WindowAverage",
                           "params": {"window_size": 8}},
        "window_average_4": {"class": "statsforecast.models.WindowAverage",
                             "params": {"window_size": 4}},
        "ses": {"class": "statsforecast.models.SimpleExponentialSmoothingOptimized"},
        "auto_ets": {"class": "statsforecast.models.AutoETS"},
        "croston_sba": {"class": "statsforecast.models.CrostonSBA"},
        "croston_optimized": {"class": "statsforecast.models.CrostonOptimized"},
        "tsb": {"class": "statsforecast.models.TSB", "params": {"alpha_d": 0.1, "alpha_p": 0.1}},
        "adida": {"class": "statsforecast.models.ADIDA"},
        "imapa": {"class": "statsforecast.models.IMAPA"},
        "combination": {
            "class": "inventory_forecast.forecasters.Combination",
            "members": [["window_average", 1.0], ["window_average_4", 1.0], ["imapa", 1.0],
                        ["ses", 1.0]],
        },
        # Robust levels (medians, trimmed mean, smoothing of a capped history) weighted by
        # what minimised RMSSE over all SKUs at the two latest origins: fitted on every SKU
        # of a chunk at once (forecasters/levels.py), the default.
        "learnt_combination": {
            "class": "inventory_forecast.forecasters.LearntCombination",
            "params": {"horizon": 8},
        },
    },
}


__getattr__ = AppSettings("INVENTORY_FORECAST_", DEFAULTS).get
