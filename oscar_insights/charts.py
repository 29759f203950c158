"""
Charts of the dashboard sections: one :class:`Chart` gives both the JSON a page's script draws
(Chart.js, served from the core's static files: no CDN, no inline script) and the table that
stands in for it (screen readers, no JavaScript).  A page renders
``oscar_insights/chart.html`` with the chart and its JSON view's URL; the view answers
:func:`chart_response`.
"""

import math
from dataclasses import dataclass, field

from django.http import JsonResponse

# Colour-blind-safe (Okabe-Ito) colours, in the order series take them.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000")


@dataclass
class Series:
    """One series: ``kind`` "line" or "bar"; a "band" is drawn as the area between ``values``
    and the series before it (both in the table)."""

    label: str
    values: list
    kind: str = "line"
    dashed: bool = False
    colour: str | None = None
    band: bool = False
    stack: str | None = None
    stepped: bool = False  # a level that holds until the next point (stock, not a trend)


@dataclass
class Chart:
    """A chart over ``labels`` (the x axis, e.g. weeks) with ``series``."""

    title: str
    labels: list
    series: list = field(default_factory=list)
    y_label: str = ""
    x_label: str = ""
    stacked: bool = False

    def config(self):
        """The Chart.js configuration (JSON-safe: non-finite numbers become gaps)."""
        datasets = []
        for index, series in enumerate(self.series):
            colour = series.colour or PALETTE[index % len(PALETTE)]
            dataset = {
                "type": series.kind, "label": series.label, "data": _clean(series.values),
                "borderColor": colour, "backgroundColor": colour + ("33" if series.band else
                                                                    "cc"),
                "borderWidth": 2 if series.kind == "line" else 0,
                # Points only where they are few enough to see (a lone point is all there is).
                "pointRadius": 3 if len(self.labels) <= 40 else 0,
                "spanGaps": False, "tension": 0,
            }
            if series.dashed:
                dataset["borderDash"] = [6, 4]
            if series.band:
                dataset["fill"] = "-1"  # the area down to the series before it
                dataset["borderWidth"] = 0
            if series.stack:
                dataset["stack"] = series.stack
            if series.stepped:
                dataset["stepped"] = "before"
            datasets.append(dataset)
        scale = {"stacked": self.stacked}
        return {
            "type": "bar" if all(s.kind == "bar" for s in self.series) else "line",
            "data": {"labels": [str(label) for label in self.labels], "datasets": datasets},
            "options": {
                "animation": False, "responsive": True, "maintainAspectRatio": False,
                "interaction": {"mode": "index", "intersect": False},
                "plugins": {"title": {"display": bool(self.title), "text": self.title},
                            "legend": {"position": "bottom"}},
                "scales": {
                    "x": {**scale, "title": {"display": bool(self.x_label),
                                             "text": self.x_label}},
                    "y": {**scale, "beginAtZero": True,
                          "title": {"display": bool(self.y_label), "text": self.y_label}},
                },
            },
        }

    def rows(self):
        """``[(label, [value per series])]``: the table fallback."""
        return [(label, [_cell(series.values, i) for series in self.series])
                for i, label in enumerate(self.labels)]


def _clean(values):
    return [None if v is None or (isinstance(v, float) and not math.isfinite(v)) else
            round(float(v), 4) for v in values]


def _cell(values, index):
    value = values[index] if index < len(values) else None
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def chart_response(chart):
    """The JSON a chart's canvas is drawn from."""
    return JsonResponse(chart.config())
