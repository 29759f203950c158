"""Throttling of the event API: per signed-in user or token, else per client IP."""

from rest_framework.throttling import SimpleRateThrottle

from .. import conf


class EventBatchThrottle(SimpleRateThrottle):
    scope = "recommendation_events"

    def get_rate(self):
        return conf.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
