"""System checks report configuration mistakes with their ids."""

from inventory_forecast.checks import check_import_settings


def ids(errors):
    return [error.id for error in errors]


def test_defaults_pass():
    assert check_import_settings(None) == []


def test_bad_code_pattern(settings):
    settings.INVENTORY_FORECAST_IMPORT_PRODUCT_CODE_PATTERN = r"^[A-Z"
    assert ids(check_import_settings(None)) == ["inventory_forecast.E001"]


def test_shipping_codes_as_one_string(settings):
    settings.INVENTORY_FORECAST_IMPORT_SHIPPING_CODES = "POST"
    assert ids(check_import_settings(None)) == ["inventory_forecast.E002"]


def test_empty_partner_name(settings):
    settings.INVENTORY_FORECAST_IMPORT_PARTNER_NAME = " "
    assert ids(check_import_settings(None)) == ["inventory_forecast.E003"]


def test_forecast_settings_are_checked():
    from django.test import override_settings

    from inventory_forecast.checks import check_forecast_settings

    assert check_forecast_settings(None) == []
    with override_settings(
        INVENTORY_FORECAST_FORECASTERS={"broken": {"class": "statsforecast.models.Nope"}},
        INVENTORY_FORECAST_METHOD="missing", INVENTORY_FORECAST_SERVICE_LEVEL=95,
        INVENTORY_FORECAST_AS_OF="yesterday",
    ):
        ids = sorted(m.id for m in check_forecast_settings(None))
    assert ids == ["inventory_forecast.E004", "inventory_forecast.E005",
                   "inventory_forecast.E006", "inventory_forecast.E007"]
