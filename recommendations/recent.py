"""
The products a shopper viewed or added to the basket in this browser session, newest first:
what makes "Recommended for you" react at once.  Kept in a signed session cookie
(``RECOMMENDATIONS_RECENT_COOKIE_NAME``, set by the tracking middleware), so remembering costs
the request no database write.  Only shoppers whose behaviour is recorded are remembered
(opt-out, GPC/DNT and bots are not); signing in or out starts afresh.
"""

import re

from . import conf

SALT = "recommendations.recent"
_IDS = re.compile(r"^\d+(?:\.\d+)*$")


def read(request):
    """The cookie's product ids, newest first ([] when absent, forged or malformed)."""
    value = request.get_signed_cookie(conf.RECENT_COOKIE_NAME, default="", salt=SALT)
    return [int(pk) for pk in value.split(".")] if _IDS.match(value) else []


def remember(request, product_id):
    from .middleware import context_for

    context = context_for(request)
    ids = [pk for pk in products(request) if pk != product_id]
    context.recent = [product_id, *ids][: conf.SESSION_PRODUCTS]


def products(request):
    """The session's products, newest first (ids), including this request's."""
    context = getattr(request, "recommendations_tracking", None)
    if context is not None and context.recent is not None:
        return list(context.recent)
    return read(request)
