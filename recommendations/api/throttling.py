"""Throttling of the event API: per signed-in user or token, else per client IP."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .. import conf


class EventBatchThrottle(SimpleRateThrottle):
    scope = "recommendation_events"

    def get_rate(self):
        return conf.API_THROTTLE_RATE

    def get_ident(self, request):
        """The client's address.  X-Forwarded-For is believed only when the project says how many
        proxies it runs behind (REST_FRAMEWORK["NUM_PROXIES"]): anyone can send that header."""
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class RecommendationReadThrottle(EventBatchThrottle):
    """The read API's own budget (``RECOMMENDATIONS_API_READ_THROTTLE_RATE``)."""

    scope = "recommendation_reads"

    def get_rate(self):
        return conf.API_READ_THROTTLE_RATE
