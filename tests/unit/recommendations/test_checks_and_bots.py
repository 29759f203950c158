"""Bot detection and the recommendations system checks."""

import pytest

from recommendations.checks import check_tracking_settings
from recommendations.middleware import is_bot


@pytest.mark.parametrize(
    "agent, bot",
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("Mozilla/5.0 (compatible; YandexBot/3.0)", True),
        ("facebookexternalhit/1.1", True),
        ("curl/8.4.0", True),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", False),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", False),
        ("", False),
    ],
)
def test_bot_user_agents(agent, bot):
    assert is_bot(agent) is bot


def test_bot_list_is_a_setting(settings):
    settings.RECOMMENDATIONS_BOT_USER_AGENTS = (r"mycrawler",)
    assert is_bot("MyCrawler/1.0")
    assert not is_bot("Mozilla/5.0 (compatible; Googlebot/2.1)")


def ids(messages):
    return [m.id for m in messages]


def test_defaults_pass():
    assert check_tracking_settings(None) == []


def test_missing_middleware_warns(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "recommendations" not in m]
    assert ids(check_tracking_settings(None)) == ["recommendations.W001"]


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("BOT_USER_AGENTS", ("(unclosed",), "recommendations.E001"),
        ("RETENTION_DAYS", 0, "recommendations.E002"),
        ("API_MAX_BATCH", "100", "recommendations.E003"),
    ],
)
def test_bad_settings(settings, name, value, expected):
    setattr(settings, f"RECOMMENDATIONS_{name}", value)
    assert ids(check_tracking_settings(None)) == [expected]
