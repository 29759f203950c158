"""
The request side of tracking: who the shopper is, whether to record them, and the cookies.

``TrackingMiddleware`` reads cookies and headers only (no database), makes the request's
:class:`TrackingContext` available to receivers (``request.recommendations_tracking`` and, for
signals that carry no request, :func:`current_context`), and sets or clears the visitor and
opt-out cookies on the way out.

Events of pages that write nothing else (product views, searches) are written *after the
response has been sent*: the WSGI server calls ``response.close()`` once the last byte is out,
and the context's :meth:`~TrackingContext.flush` runs there, in the same process, straight to
the database.  The shopper never waits for that write; it still never goes through the broker.
"""

import logging
import re
import uuid
from contextvars import ContextVar
from functools import lru_cache

from . import conf, recent
from .tracking import Shopper, record

logger = logging.getLogger(__name__)
_current = ContextVar("recommendations_tracking", default=None)


@lru_cache(maxsize=8)
def _bot_pattern(patterns):
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def is_bot(user_agent):
    return bool(user_agent) and bool(_bot_pattern(tuple(conf.BOT_USER_AGENTS)).search(user_agent))


def privacy_signal(request):
    """True when the browser asks not to be tracked (GPC / DNT, as configured)."""
    meta = request.META
    return (conf.HONOUR_GPC and meta.get("HTTP_SEC_GPC", "").strip() == "1") or (
        conf.HONOUR_DNT and meta.get("HTTP_DNT", "").strip() == "1"
    )


TRACKING_OFF = "tracking is switched off (RECOMMENDATIONS_TRACKING_ENABLED)"


def skip_reason(request):
    """Why ``request`` must not be recorded, in words for an API client, or ""."""
    if not conf.TRACKING_ENABLED:
        return TRACKING_OFF
    if request.COOKIES.get(conf.OPT_OUT_COOKIE_NAME) == "1":
        return "the shopper opted out of tracking"
    if privacy_signal(request):
        return "the browser asks not to be tracked (Global Privacy Control or Do Not Track)"
    if is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return ("the user agent is on the bot list (RECOMMENDATIONS_BOT_USER_AGENTS); a "
                "server client authenticates with a token")
    return ""


VISITOR_ID = re.compile(r"^[0-9a-f]{32}$")
COOKIE_SALT = "recommendations.visitor"


def read_visitor_id(request):
    """The visitor id of the signed cookie, or "" when absent, forged or malformed."""
    value = request.get_signed_cookie(conf.VISITOR_COOKIE_NAME, default="", salt=COOKIE_SALT)
    return value if VISITOR_ID.match(value) else ""


class TrackingContext:
    """What the receivers of one request need to record an event."""

    def __init__(self, request):
        self.request = request
        self.visitor_id = read_visitor_id(request)
        self.new_visitor = False
        self.used = False
        self.set_opt_out_cookie = None  # True / False: set or clear on the response
        self.forget_visitor = False
        self.recent = None  # products seen this session (recent.py), when this request changed it
        self.deferred = []  # (args, kwargs) of tracking.record calls to run after the response
        self.callbacks = []  # other work to run after the response (impressions.flush)
        self.can_defer = False  # True while the middleware will see the response
        self.skip_reason = skip_reason(request)

    @property
    def skip(self):
        """True when this request must not be recorded (:attr:`skip_reason` says why)."""
        return bool(self.skip_reason)

    @property
    def source(self):
        return self.request.GET.get(conf.SOURCE_PARAMETER, "")[:64]

    def shopper(self):
        """The :class:`Shopper` to record, or ``None`` when this request must not be recorded.

        Only anonymous shoppers get a new visitor id: a signed-in shopper is known by account.
        """
        if self.skip:
            return None
        user = getattr(self.request, "user", None)
        user_id = user.pk if user is not None and user.is_authenticated else None
        if not self.visitor_id and user_id is None:
            self.visitor_id = uuid.uuid4().hex
            self.new_visitor = True
        self.used = True
        return Shopper(user_id=user_id, visitor_id=self.visitor_id)

    def record_after_response(self, *args, **kwargs):
        """``tracking.record(*args, **kwargs)`` once the response is out (now, without the
        middleware)."""
        if self.can_defer:
            self.deferred.append((args, kwargs))
        else:
            record(*args, **kwargs)

    def call_after_response(self, callback):
        """Run ``callback()`` once the response is out (never, without the middleware: the
        work waits for a request that has it)."""
        if self.can_defer and callback not in self.callbacks:
            self.callbacks.append(callback)

    def flush(self):
        """Write the deferred events and run the callbacks (run by ``response.close()``);
        never raises."""
        events, self.deferred = self.deferred, []
        for args, kwargs in events:
            try:
                record(*args, **kwargs)
            except Exception:  # the response is gone: log, and keep the server serving
                logger.exception("Could not record a %s event after the response", args[0])
        callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                logger.exception("%s failed after the response", callback.__qualname__)

    def apply_cookies(self, response):
        secure = self.request.is_secure()
        if self.forget_visitor or self.set_opt_out_cookie is True:
            response.delete_cookie(conf.RECENT_COOKIE_NAME, samesite="Lax")
        elif self.recent is not None:
            # A session cookie: "Recommended for you" follows this visit, no database write.
            response.set_signed_cookie(
                conf.RECENT_COOKIE_NAME, ".".join(map(str, self.recent)), salt=recent.SALT,
                httponly=True, samesite="Lax", secure=secure,
            )
        if self.forget_visitor:
            response.delete_cookie(conf.VISITOR_COOKIE_NAME, samesite="Lax")
        elif self.new_visitor and self.used:
            # Signed: nobody can claim another visitor's id (and with it their history).
            response.set_signed_cookie(
                conf.VISITOR_COOKIE_NAME, self.visitor_id, salt=COOKIE_SALT,
                max_age=conf.VISITOR_COOKIE_AGE, httponly=True, samesite="Lax", secure=secure,
            )
        if self.set_opt_out_cookie is True:
            response.set_cookie(
                conf.OPT_OUT_COOKIE_NAME, "1", max_age=10 * 365 * 24 * 3600, httponly=True,
                samesite="Lax", secure=secure,
            )
            response.delete_cookie(conf.VISITOR_COOKIE_NAME, samesite="Lax")
        elif self.set_opt_out_cookie is False:
            response.delete_cookie(conf.OPT_OUT_COOKIE_NAME, samesite="Lax")


def context_for(request):
    """The request's tracking context (created on first use if the middleware is missing)."""
    context = getattr(request, "recommendations_tracking", None)
    if context is None:
        context = request.recommendations_tracking = TrackingContext(request)
    return context


def current_context():
    """The tracking context of the request being handled in this thread, or ``None``."""
    return _current.get()


class TrackingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        context = context_for(request)
        context.can_defer = True
        token = _current.set(context)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        context.can_defer = False
        if response.status_code >= 500:
            context.deferred.clear()  # as a rolled-back request would: record nothing
        context.apply_cookies(response)
        if context.deferred or context.callbacks:
            # Django's own handler closes resources this way; the server calls close() once
            # the response has been sent.
            response._resource_closers.append(context.flush)
        return response
