"""System checks report configuration mistakes with their ids."""

from django.test import override_settings

from inventory_forecast.checks import check_forecast_settings


def test_defaults_pass():
    assert check_forecast_settings(None) == []


def test_forecast_settings_are_checked():
    with override_settings(
        INVENTORY_FORECAST_FORECASTERS={
            "broken": {"class": "statsforecast.models.Nope"},
            "naive": {"class": "statsforecast.models.Naive"},
            # A combination of a member nobody registered, and one of itself.
            "mix": {"class": "inventory_forecast.forecasters.Combination",
                    "members": [["naive", 1.0], ["ghost", 1.0], ["mix", 1.0]]},
        },
        INVENTORY_FORECAST_METHOD="missing", INVENTORY_FORECAST_SERVICE_LEVEL=95,
        INVENTORY_FORECAST_AS_OF="yesterday",
    ):
        messages = check_forecast_settings(None)
    ids = sorted(m.id for m in messages)
    assert ids == ["inventory_forecast.E004", "inventory_forecast.E005",
                   "inventory_forecast.E005", "inventory_forecast.E006",
                   "inventory_forecast.E007", "inventory_forecast.E008"]
    members = sorted(m.msg for m in messages if m.id == "inventory_forecast.E005")
    assert "'ghost'" in members[0] and "'mix'" in members[1]
