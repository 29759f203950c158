"""Algorithms by name, from ``RECOMMENDATIONS_ALGORITHMS`` (see :mod:`oscar_insights.registry`).
A blend's ``components`` are ``[algorithm name, weight, normalise]``; its ``tune`` grid names
component weights, other algorithms' grids their parameters."""

from oscar_insights.registry import Registry

from .. import conf

algorithms = Registry("RECOMMENDATIONS_ALGORITHMS", lambda: conf.ALGORITHMS, "algorithm",
                      nested="components")
spec = algorithms.spec
build = algorithms.build
components = algorithms.members
