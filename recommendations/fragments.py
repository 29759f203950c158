"""
The storefront blocks' HTML, cached: a page's blocks cost it one cache read.

:func:`render` renders the blocks of one ``{% recommendation_blocks %}`` tag (the partials, over
:func:`.blocks.recommend_many`) and caches the HTML under a key of everything the result depends
on: the blocks and the tag's arguments, the page's product, the basket's products, the order,
the shopper's account (an anonymous shopper's blocks are shared by all, but for "Recommended
for you": their visitor cookie and the products of this session), the language and the Oscar
strategy's class.  The HTML is stored with the published version and the *stamps* it was
rendered for (and the blocks its links credit, for :mod:`.impressions`), and one ``get_many``
reads it together with the current version and stamps: a fragment of an older version or stamp
is rendered afresh, so publishing a version or changing the catalogue invalidates every fragment
without a scan.

The stamp changes whenever what a block shows could have changed under it: a product, a stock
record (price, stock, allocation) or a staff-curated list (Oscar's ``recommended_products``)
saved or deleted (:func:`catalogue_changed`, connected in :mod:`.receivers`).  A product sold
out a moment ago therefore leaves every block at once; on a shop whose stock changes every few
seconds, fragments are re-rendered as often, from the cached candidate lists (no recommendation
table is read).  A signed-in shopper's own stamp changes when an order of theirs is recorded
(:func:`purchases_changed`): what they just bought leaves their blocks.  Fragments otherwise
live ``RECOMMENDATIONS_CACHE_SECONDS``.

Each web process keeps the fragments it served and the version and stamps it last read in a
local memory of its own (:data:`local`, Django's local-memory cache: thread-safe, least recently
used first out): for ``RECOMMENDATIONS_FRAGMENT_LOCAL_SECONDS`` after a read, a page's blocks
cost no network round trip at all.  A change made in this process clears what it invalidates
at once; one made in another (a training worker publishing, another web process selling the
last unit) reaches this process's pages within that time.

The CSRF token of the "Add both to basket" form is not cached: the fragment holds a placeholder
replaced by the request's own token.
"""

import hashlib
import logging
import time

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import blocks, conf, impressions, recent

logger = logging.getLogger(__name__)

STAMP_KEY = "recommendations:catalogue-stamp"
CSRF_PLACEHOLDER = "recommendations-csrf-placeholder"
TEMPLATE = "recommendations/partials/blocks.html"

#: This process's memory of fragments, versions and stamps (the module docstring).
local = LocMemCache("recommendations.fragments",
                    {"OPTIONS": {"MAX_ENTRIES": conf.FRAGMENT_LOCAL_ENTRIES}})


def forget_local():
    """Forget everything this process remembers (as a new process would start)."""
    local.clear()


@receiver(setting_changed)
def _setting_changed(setting, **kwargs):
    # A setting changed under a running process (tests): what it rendered may differ now.  The
    # kill switch renders nothing and leaves the fragments as they were.
    if setting != "RECOMMENDATIONS_BLOCKS_ENABLED":
        local.clear()


def catalogue_changed(**kwargs):
    """A new catalogue stamp: every cached fragment is rendered afresh on its next read."""
    cache.set(STAMP_KEY, time.time_ns(), None)
    local.delete(STAMP_KEY)


def version_published():
    """Called once a new version is published: the next read finds it."""
    blocks.forget_version()
    local.delete(blocks.VERSION_KEY)


def _shopper_key(user_id):
    return f"recommendations:shopper-stamp:{user_id}"


def purchases_changed(user_id):
    """Called once a signed-in shopper's order is recorded: their blocks are rendered afresh,
    from what they bought read afresh (:func:`.blocks.forget_purchases`)."""
    blocks.forget_purchases(user_id)
    cache.set(_shopper_key(user_id), time.time_ns(), conf.CACHE_SECONDS)
    local.delete(_shopper_key(user_id))


def _stamps(found, keys, timeouts):
    """The values of the stamp ``keys`` (from ``found``); a missing one (first use, expired,
    evicted) is started afresh, so that no fragment stored before can match it."""
    stamps = []
    for key, timeout in zip(keys, timeouts):
        stamp = found.get(key)
        if stamp is None:
            stamp = time.time_ns()
            if not cache.add(key, stamp, timeout):  # another process was first
                stamp = cache.get(key, stamp)
        stamps.append(stamp)
    return tuple(stamps)


def _fragment(cached, stamps):
    """The ``(html, sources)`` of a cached ``(stamps, html, sources)`` fragment if it was
    rendered for ``stamps`` (``sources``: the blocks and versions its links credit)."""
    return cached[1:] if cached is not None and len(cached) == 3 and cached[0] == stamps \
        else None


def _read(key, stamp_keys, timeouts):
    """
    ``(stamps, fragment)``: the current values of ``stamp_keys`` (the version's first), and the
    ``(html, sources)`` under ``key`` if it was rendered for them, else None.  From this
    process's memory while it holds them all, else from the shared cache (and remembered).  A
    fragment this process holds is checked against the stamps read afresh rather than fetched
    again.
    """
    seconds = conf.FRAGMENT_LOCAL_SECONDS
    held = None
    if seconds > 0:
        found = local.get_many([key, *stamp_keys])
        held = found.get(key)
        if all(stamp in found for stamp in stamp_keys):
            stamps = tuple(found[stamp] for stamp in stamp_keys)
            return stamps, _fragment(held, stamps)
    found = cache.get_many(stamp_keys if held is not None else [key, *stamp_keys])
    stamps = (blocks.current_version_id(found.get(blocks.VERSION_KEY)),
              *_stamps(found, stamp_keys[1:], timeouts[1:]))
    fragment = _fragment(held, stamps)
    if fragment is None:
        if held is not None:  # ours is outdated: another process may have rendered it since
            found[key] = cache.get(key)
        fragment = _fragment(found.get(key), stamps)
        if seconds > 0 and fragment is not None:
            local.set(key, found[key], conf.CACHE_SECONDS)
    if seconds > 0:
        local.set_many(dict(zip(stamp_keys, stamps)), seconds)
    return stamps, fragment


def _key(request, user, visitor, names, product, basket, order, limit, exclude):
    if basket is None:
        basket = getattr(request, "basket", None)
    parts = (
        names, limit, tuple(exclude),
        product.pk if product is not None else None,
        tuple(sorted(blocks.ids_of(basket.all_lines()))) if basket is not None and basket.id
        else (),
        order.pk if order is not None else None,
        # An anonymous shopper's blocks are everyone's, but for their own published list.
        user.pk if user is not None else (visitor if "for_you" in names else ""),
        tuple(recent.products(request)) if "for_you" in names else (),
        get_language(),
        type(blocks.strategy_for(request)).__qualname__,
    )
    return "recommendations:html:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def _render(request, names, product, kwargs):
    """``(html, sources)``: the blocks' HTML and the ``(block, version)`` its links credit."""
    found = blocks.recommend_many(request, names, product=product, **kwargs)
    shown = [(blocks.BLOCKS[name if any(i.block == name for i in found[name])
                            else found[name][0].block], found[name])
             # A block that could only show its fallback's products says so ("Trending now").
             for name in names if found.get(name)]
    if not shown:
        return "", ()
    return get_template(TEMPLATE).render({
        "request": request, "csrf_token": CSRF_PLACEHOLDER, "page_product": product,
        "blocks": shown,
    }), impressions.sources(shown)


def render(request, names, product=None, csrf_token=None, **kwargs):
    """
    The HTML of the ``names`` blocks (:func:`.blocks.recommend_many`'s arguments), from the
    cache when it holds a fragment of the current version and catalogue.  A failure to read the
    blocks is logged and renders nothing: a block never breaks a page.
    """
    names = tuple(names)
    blocks.check(names)
    try:
        user, visitor = blocks.shopper_of(request)
        key = _key(request, user, visitor, names, product, kwargs.get("basket"),
                   kwargs.get("order"), kwargs.get("limit"), kwargs.get("exclude", ()))
        stamp_keys, timeouts = [blocks.VERSION_KEY, STAMP_KEY], [None, None]
        if user is not None:
            stamp_keys.append(_shopper_key(user.pk))
            timeouts.append(conf.CACHE_SECONDS)
        stamps, fragment = _read(key, stamp_keys, timeouts)
        if fragment is None:
            fragment = _render(request, names, product, kwargs)
            cache.set(key, (stamps, *fragment), conf.CACHE_SECONDS)
            if conf.FRAGMENT_LOCAL_SECONDS > 0:
                local.set(key, (stamps, *fragment), conf.CACHE_SECONDS)
        html, shown = fragment
        impressions.count(request, shown)
    except Exception:  # a broken cache or database read must not cost the page
        logger.exception("Recommendation blocks %s could not be read", names)
        return ""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(csrf_token or get_token(request)))
    return mark_safe(html)
