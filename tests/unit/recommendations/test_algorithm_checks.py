"""System checks for the algorithm settings."""

from django.test import override_settings

from recommendations.checks import check_algorithm_settings


def ids(messages):
    return sorted(message.id for message in messages)


def test_default_settings_pass():
    assert check_algorithm_settings(None) == []


@override_settings(RECOMMENDATIONS_ALGORITHMS={
    "popularity": {"class": "recommendations.algorithms.Popularity"},
    "broken": {"class": "recommendations.algorithms.NoSuchThing"},
    "mix": {"class": "recommendations.algorithms.Blend", "components": [["ghost", 1.0, True]]},
}, RECOMMENDATIONS_CANDIDATES=("popularity", "missing"), RECOMMENDATIONS_DEFAULT_ALGORITHM="mix",
   RECOMMENDATIONS_TOP_N=0)
def test_bad_algorithm_settings_are_reported():
    messages = check_algorithm_settings(None)
    assert ids(messages) == ["recommendations.E004", "recommendations.E005",
                             "recommendations.E006", "recommendations.E007"]
    assert "'missing'" in next(m.msg for m in messages if m.id == "recommendations.E006")
