"""Demand series: periods, first sales, missing days, the sales CSV reader."""

import gzip
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from inventory_forecast.history import fill_missing, period_series, read_sales_csv
from oscar_insights.csvfiles import CsvFileError, OrderLineColumns

END = date(2026, 11, 22)  # a Sunday: weeks run Monday..Sunday


def test_weeks_end_on_the_end_date_and_series_start_at_the_first_sale():
    daily = {
        "mug": {date(2026, 11, 2): 3, date(2026, 11, 9): 0, date(2026, 11, 20): 5, END: 1},
        "vase": {date(2026, 11, 18): 2},
        "never": {date(2026, 11, 10): 0},
    }
    weekly = period_series(daily, "W", END)
    assert set(weekly) == {"mug", "vase"}  # no sale, no series
    mug = weekly["mug"]
    # Weeks ending 11-08, 11-15, 11-22: 3, 0, 6.
    assert mug.start == date(2026, 11, 2)
    assert mug.values.tolist() == [3, 0, 6]
    assert weekly["vase"].values.tolist() == [2]


def test_missing_days_scale_the_period_up_or_leave_it_missing():
    # Week ending 11-22: 7 days, 2 missing, 10 units on the 5 known days -> 10 * 7 / 5 = 14.
    week = {date(2026, 11, 16 + k): (2 if k < 5 else None) for k in range(7)}
    week_before = {date(2026, 11, 9 + k): None for k in range(7)}  # every day missing
    daily = {"mug": {date(2026, 11, 2): 4, **week_before, **week}}
    values = period_series(daily, "W", END)["mug"].values
    assert values[0] == 4 and np.isnan(values[1]) and values[2] == pytest.approx(14)
    assert fill_missing(values).tolist() == [4, 4, pytest.approx(14)]


def test_days_and_months():
    daily = {"mug": {date(2026, 10, 30): 1, date(2026, 11, 1): 2, date(2026, 11, 3): 4}}
    assert period_series(daily, "D", date(2026, 11, 3))["mug"].values.tolist() == [1, 0, 2, 0, 4]
    monthly = period_series(daily, "M", date(2026, 11, 30))["mug"]
    assert monthly.start == date(2026, 10, 1) and monthly.values.tolist() == [1, 6]
    with pytest.raises(ValueError, match="Unknown period"):
        period_series(daily, "Y")


def test_a_month_whose_given_rows_are_all_empty_is_missing_not_zero():
    # One row per month dated the 1st; March's quantity is empty.
    daily = {"mug": {date(2026, 1, 1): 30, date(2026, 2, 1): 28, date(2026, 3, 1): None,
                     date(2026, 4, 1): 31}}
    given = period_series(daily, "M", date(2026, 4, 30), given_rows=True)["mug"].values
    assert given[:2].tolist() == [30, 28] and np.isnan(given[2]) and given[3] == 31
    # The shop's own days: March 1 out of stock, the other 30 days sold nothing (zero).
    shop = period_series(daily, "M", date(2026, 4, 30))["mug"].values
    assert shop.tolist() == [30, 28, 0, 31]
    # A period with a row given beside the empty one is scaled from its known days.
    daily["mug"][date(2026, 3, 15)] = 15
    scaled = period_series(daily, "M", date(2026, 4, 30), given_rows=True)["mug"].values
    assert scaled[2] == pytest.approx(15 * 31 / 30)


def test_fill_missing_uses_the_known_values_before():
    assert fill_missing([np.nan, 2, np.nan, 4, np.nan]).tolist() == [3, 2, 2, 4, 3]
    assert fill_missing([np.nan, np.nan]).tolist() == [0, 0]


def test_sales_csv_empty_is_missing_zero_is_zero_and_rows_are_cleaned(tmp_path):
    path = tmp_path / "sales.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(
            "invoice,sku,day,units,price\n"
            "1,85123a,2026-11-01,6,2.5\n"
            "2,85123A,2026-11-01,4,2.5\n"
            "3,85123A,2026-11-02,,2.5\n"
            "C4,85123A,2026-11-02,-2,2.5\n"
            "5,POST,2026-11-02,1,18\n"
            "6,85123A,2026-11-03,3,0\n"
            "7,85123A,not a day,3,2.5\n"
            "8,22423,2026-11-03,0,\n"
        )
    columns = OrderLineColumns(item="sku", timestamp="day", quantity="units", user="",
                               basket="invoice", price="")
    daily, skipped = read_sales_csv(path, columns, item_pattern=r"^\d{5}[A-Z]{0,2}$")
    assert daily["85123A"] == {date(2026, 11, 1): 10, date(2026, 11, 2): None,
                               date(2026, 11, 3): 3}
    assert daily["22423"] == {date(2026, 11, 3): 0}
    assert skipped == {"cancellation": 1, "not a product": 1, "unparsable date": 1}
    _daily, skipped = read_sales_csv(path, replace(columns, price="price"),
                                     item_pattern=r"^\d{5}[A-Z]{0,2}$")
    assert skipped["price <= 0"] == 1 and skipped["unparsable number"] == 1


def test_sales_csv_names_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(CsvFileError, match="missing column"):
        read_sales_csv(path, OrderLineColumns(item="sku", timestamp="day", quantity="units"))
