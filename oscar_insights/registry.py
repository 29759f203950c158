"""
Swappable components named in a setting: ``{name: {"class": dotted path, "params": {...}}}``.

Both apps register their algorithms and forecasters this way (``RECOMMENDATIONS_ALGORITHMS``,
``INVENTORY_FORECAST_FORECASTERS``).  An entry may combine other entries: its ``nested`` key
(``"components"`` of a blend, ``"members"`` of a combination) lists ``[name, weight, *extra]``;
the class is then called with ``[(built member, weight, *extra), ...]`` first.
"""

from django.core.checks import Error
from django.utils.module_loading import import_string


class UnknownComponent(KeyError):
    """A name that the registry's setting does not define."""

    def __str__(self):
        return self.args[0]


class Registry:
    """
    The components of one setting.  ``entries`` is a callable returning the setting's dict
    (read at use, so ``override_settings`` works); ``kind`` names a component in messages
    ("algorithm", "forecaster").
    """

    def __init__(self, setting, entries, kind, nested):
        self.setting = setting
        self._entries = entries
        self.kind = kind
        self.nested = nested

    def entries(self):
        return self._entries()

    def spec(self, name):
        """The settings entry of ``name``, or :class:`UnknownComponent`."""
        entries = self.entries()
        if name not in entries:
            raise UnknownComponent(
                f"Unknown {self.kind} {name!r}; {self.setting} defines "
                f"{', '.join(sorted(entries))}."
            )
        return entries[name]

    def members(self, name):
        """The names an entry combines (empty for a plain component)."""
        return [member[0] for member in self.spec(name).get(self.nested, ())]

    def build(self, name, params=None):
        """
        A new, unfitted instance of ``name``.  ``params`` override the configured ones; for a
        combination they may hold a weight per member name and, under the nested key, each
        member's own parameter overrides.
        """
        entry = self.spec(name)
        params = dict(params or {})
        cls = import_string(entry["class"])
        if self.nested in entry:
            overrides = params.pop(self.nested, {})
            members = [
                (self.build(member, overrides.get(member)), float(params.pop(member, weight)),
                 *extra)
                for member, weight, *extra in entry[self.nested]
            ]
            return cls(members, **{**entry.get("params", {}), **params})
        return cls(**{**entry.get("params", {}), **params})

    def check(self, app_label, named=(), hint=""):
        """
        System-check errors: ``<app_label>.E004`` a class that cannot be imported, ``E005`` a
        combination of an unregistered (or its own) member, ``E006`` a name of ``named``
        (settings that pick an entry: ``{setting: [names]}``) that is not registered.
        """
        errors = []
        try:
            entries = self.entries()
            items = list(entries.items())
        except (AttributeError, TypeError):
            return [Error(f"{self.setting} must be a dict of {self.kind}s by name.",
                          id=f"{app_label}.E004")]
        for name, entry in items:
            try:
                import_string(entry["class"])
            except (ImportError, KeyError, TypeError) as exc:
                errors.append(Error(
                    f"{self.setting}[{name!r}]: cannot import its class ({exc}).",
                    hint=hint or None, id=f"{app_label}.E004",
                ))
            nested = entry.get(self.nested, ()) if isinstance(entry, dict) else ()
            for member in nested:
                if not isinstance(member, (list, tuple)) or len(member) < 2:
                    errors.append(Error(
                        f"{self.setting}[{name!r}][{self.nested!r}]: each item must be "
                        f"[{self.kind} name, weight, ...], not {member!r}.",
                        id=f"{app_label}.E005",
                    ))
                elif member[0] not in entries or member[0] == name:
                    errors.append(Error(
                        f"{self.setting}[{name!r}] combines {member[0]!r}, which is not "
                        f"another registered {self.kind}.",
                        hint=f"Registered: {', '.join(sorted(entries))}.",
                        id=f"{app_label}.E005",
                    ))
        for setting, names in named.items():
            for name in names:
                if name not in entries:
                    errors.append(Error(
                        f"{setting}: {name!r} is not in {self.setting}.",
                        hint=f"Registered: {', '.join(sorted(entries))}.",
                        id=f"{app_label}.E006",
                    ))
        return errors
