"""Forecasters by name, from ``INVENTORY_FORECAST_FORECASTERS`` (dotted paths + parameters)."""

from django.utils.module_loading import import_string

from .. import conf


class UnknownForecaster(KeyError):
    """A name ``INVENTORY_FORECAST_FORECASTERS`` does not define."""

    def __str__(self):
        return self.args[0]


def spec(name):
    """The settings entry of ``name``: ``{"class", "params", "members"}``."""
    forecasters = conf.FORECASTERS
    if name not in forecasters:
        raise UnknownForecaster(
            f"Unknown forecaster {name!r}; INVENTORY_FORECAST_FORECASTERS defines "
            f"{', '.join(sorted(forecasters))}."
        )
    return forecasters[name]


def build(name):
    """A new, unfitted instance of forecaster ``name`` (a combination builds its members)."""
    entry = spec(name)
    cls = import_string(entry["class"])
    if "members" in entry:
        members = [(build(member), float(weight)) for member, weight in entry["members"]]
        return cls(members, **entry.get("params", {}))
    return cls(**entry.get("params", {}))
