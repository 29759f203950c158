"""Algorithms by name, from ``RECOMMENDATIONS_ALGORITHMS`` (dotted paths + parameters)."""

from django.utils.module_loading import import_string

from .. import conf


class UnknownAlgorithm(KeyError):
    """A name that ``RECOMMENDATIONS_ALGORITHMS`` does not define."""

    def __str__(self):
        return self.args[0]


def spec(name):
    """The settings entry of ``name``: ``{"class", "params", "tune", "components"}``."""
    algorithms = conf.ALGORITHMS
    if name not in algorithms:
        raise UnknownAlgorithm(
            f"Unknown algorithm {name!r}; RECOMMENDATIONS_ALGORITHMS defines "
            f"{', '.join(sorted(algorithms))}."
        )
    return algorithms[name]


def build(name, params=None):
    """
    A new, unfitted instance of algorithm ``name``.  ``params`` override the configured ones;
    for a blend they may hold a weight per component name and ``components`` (per component
    name, its own parameter overrides).
    """
    entry = spec(name)
    params = dict(params or {})
    cls = import_string(entry["class"])
    if "components" in entry:
        overrides = params.pop("components", {})
        components = [
            (build(component, overrides.get(component)), float(params.pop(component, weight)),
             bool(normalise))
            for component, weight, normalise in entry["components"]
        ]
        return cls(components, **{**entry.get("params", {}), **params})
    return cls(**{**entry.get("params", {}), **params})


def components(name):
    """The component names of a blend (empty for anything else)."""
    return [component for component, _weight, _normalise in spec(name).get("components", ())]
