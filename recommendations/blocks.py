"""
The storefront's recommendation blocks: one read path from a request to ready-to-render products.

:func:`recommend` takes the request, a block name (:data:`BLOCKS`) and what the block is about
(the page's product, the basket, the order just placed) and returns :class:`Item` s: a product
that the shopper can buy now, the reason it is there, and the link that attributes a click to
the block and the published version.  On the way it

1. reads the block's candidate ids from the cache, keyed by the current version (publishing a
   new version changes every key: nothing is scanned or deleted), else from the published lists
   (:mod:`.services`) — over-fetched, so that filtering leaves enough;
2. maps variants to their parent, drops duplicates, the page's product and the basket's;
3. fetches the products in a fixed number of queries whatever the list's length (products with
   their class, stock records, images and children), keeps the public ones that the request's
   Oscar strategy says are available to buy, and leaves out what the shopper bought before
   unless its product class is one people buy again (``RECOMMENDATIONS_REBUY_PRODUCT_CLASSES``);
4. fills a short list from the block's fallback (trending, then best sellers), labelled as such.

"Recommended for you" reacts to the session: the related lists of the products the shopper
viewed or added to the basket in this session (newest weighed most, :mod:`.recent`) are merged
with the shopper's published list.  No model runs here: only published lists are read.
"""

import hashlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from oscar.core.loading import get_class, get_model

from oscar_insights.registry import UnknownComponent

from . import conf, recent, services
from .models import Interaction, ProductRecommendation

Product = get_model("catalogue", "Product")

VERSION_KEY = "recommendations:current-version"
VERSION_SECONDS = 60  # how stale the cached current version may be (publishing resets it)


@dataclass(frozen=True)
class Block:
    """A block: its title, the published list it reads and the block it falls back to."""

    name: str
    title: str
    fallback: str | None = None


BLOCKS = {block.name: block for block in (
    Block("for_you", "Recommended for you", "trending"),
    Block("also_bought", "Customers who bought this also bought", "similar"),
    Block("bought_together", "Frequently bought together"),
    Block("similar", "Similar products"),
    Block("basket", "You might also like", "trending"),
    Block("thank_you", "You might also like", "trending"),
    Block("buy_again", "Buy it again"),
    Block("trending", "Trending now", "best_sellers"),
    Block("best_sellers", "Best sellers"),
)}

REASONS = {
    "for_you": "Picked for you from what you have bought and browsed",
    "viewed": "Because you viewed {}",
    "also_bought": "Customers who bought {} also bought this",
    "bought_together": "Often bought with {}",
    "similar": "Similar to {}",
    "basket": "Goes with {} in your basket",
    "thank_you": "Goes with {} you just bought",
    "buy_again": "You bought this before",
    "trending": "Trending in the last week",
    "best_sellers": "One of our best sellers",
}


@dataclass
class Item:
    """One recommended product, ready to render."""

    product: object
    block: str
    reason: str
    version: int | None = None
    url: str = field(default="")


class UnknownBlock(UnknownComponent):
    """A block name that :data:`BLOCKS` does not define."""


def check(names):
    """Raise :class:`UnknownBlock` for a name that :data:`BLOCKS` does not define."""
    for name in names:
        if name not in BLOCKS:
            raise UnknownBlock(f"Unknown block {name!r}: one of {', '.join(BLOCKS)}.")


def current_version_id(cached=None):
    """The current version's id (cached for ``VERSION_SECONDS``), or None before training.
    ``cached``: the value of ``VERSION_KEY`` when the caller has read it already."""
    version = cached if cached is not None else cache.get(VERSION_KEY)
    if version is None:
        current = services.active_version()
        version = current.pk if current else 0
        cache.set(VERSION_KEY, version, VERSION_SECONDS)
    return version or None


def forget_version():
    """Called once a new version is published: the next read finds it."""
    cache.delete(VERSION_KEY)


def forget_purchases(user_id):
    """Called once a signed-in shopper's order is recorded: what they bought is read afresh."""
    version = current_version_id()
    if version is not None:
        cache.delete_many([_key(version, name, user_id) for name in ("bought", "buy_again")])


def _key(version, block, *parts):
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    return f"recommendations:{version}:{block}:{digest}"


def _cached(version, block, parts, compute):
    """``compute()`` (a list of ``(product id, reason code, about id)``) through the cache."""
    if version is None:
        return compute()
    key = _key(version, block, *parts)
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, conf.CACHE_SECONDS)
    return found


def shopper_of(request):
    """``(user, visitor id)``: whose recommendations the request asks for."""
    on_behalf = getattr(request, "recommendations_shopper", None)
    if on_behalf is not None:  # staff asking for a customer (the read API)
        return on_behalf, ""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, ""
    context = getattr(request, "recommendations_tracking", None)
    if context is None or context.new_visitor:  # a visitor new in this request has no list yet
        return None, ""
    return None, context.visitor_id


def _merge(weighted_lists, limit):
    """Candidates from several ranked lists: ``[(weight, [ids], reason, about)]`` -> the ids
    by summed ``weight / (rank + 1)``, each with the reason of its largest contribution."""
    scores, best = {}, {}
    for weight, ids, reason, about in weighted_lists:
        for rank, pk in enumerate(ids):
            gain = weight / (rank + 1)
            scores[pk] = scores.get(pk, 0.0) + gain
            if pk not in best or gain > best[pk][0]:
                best[pk] = (gain, reason, about)
    ranked = sorted(scores, key=lambda pk: -scores[pk])[:limit]
    return [(pk, best[pk][1], best[pk][2]) for pk in ranked]


def _titles(ids):
    return dict(Product.objects.filter(pk__in=list(ids)).values_list("pk", "title")) if ids \
        else {}


def _with_titles(triples):
    """``(id, reason, about id)`` -> ``(id, reason, about title)``: one query, at cache fill."""
    titles = _titles({about for _pk, _code, about in triples if about})
    return [(pk, code, titles.get(about, "")) for pk, code, about in triples]


def _candidates(block, version, request, product, basket_ids, order_ids, wanted):
    """The block's candidate ``(id, reason code, about title)`` triples, best first (cached)."""
    user, visitor = shopper_of(request)
    if block == "for_you":
        viewed = recent.products(request)

        def compute():
            lists = [(1.0, services.for_shopper(user, visitor, wanted, personal_only=True),
                      "for_you", None)]
            for age, pk in enumerate(viewed):  # newest first, each half as strong as the last
                related = (services.related(pk, ProductRecommendation.ALSO_VIEWED, wanted,
                                            fallback=False)
                           or services.related(pk, ProductRecommendation.ALSO_BOUGHT, wanted))
                lists.append((1.5 * 0.5 ** age, related, "viewed", pk))
            # What they just looked at is not news to them.
            return [c for c in _with_titles(_merge(lists, wanted + len(viewed)))
                    if c[0] not in viewed][:wanted]
        return _cached(version, block, (user.pk if user else visitor, tuple(viewed)), compute)
    if block in ("also_bought", "bought_together", "similar"):
        return _cached(version, block, (product.pk,), lambda: [
            (pk, block, product.title) for pk in
            services.related(product.pk, block, wanted, fallback=False)])
    if block in ("basket", "thank_you"):
        about = basket_ids if block == "basket" else order_ids
        kind = (ProductRecommendation.ALSO_BOUGHT if block == "basket"
                else ProductRecommendation.BOUGHT_TOGETHER)
        return _cached(version, block, (tuple(sorted(about)),), lambda: _with_titles(_merge(
            [(1.0, services.related(pk, kind, wanted), block, pk) for pk in sorted(about)],
            wanted)))
    if block == "buy_again":
        if user is None:
            return []
        return _cached(version, block, (user.pk,), lambda: [
            (pk, block, "") for pk in bought_by(user, wanted)])
    if block == "trending":
        return _cached(version, block, (), lambda: [
            (pk, block, "") for pk in services.trending(wanted)])
    # best_sellers (recommend_many checked the names)
    return _cached(version, block, (), lambda: [
        (pk, block, "") for pk in services.popular(wanted)])


def bought_by(user, limit=None):
    """Products ``user`` bought, most often first (their own purchases only)."""
    counts = {}
    for pk in (Interaction.objects.filter(user=user, event_type=Interaction.PURCHASE)
               .order_by("-created_at").values_list("product_id", flat=True)[:5000]):
        counts[pk] = counts.get(pk, 0) + 1
    ranked = sorted(counts, key=lambda pk: -counts[pk])
    return ranked[:limit] if limit else ranked


def _fetch(ids):
    """``{id: product}`` of ``ids`` in three queries whatever their number (products with their
    class, stock records and images); parents and variants, rare, bring their own two."""
    products = {product.pk: product for product in
                Product.objects.filter(pk__in=ids)
                .select_related("product_class", "parent__product_class")
                .prefetch_related("stockrecords", "images")}
    parents = [p for p in products.values() if p.is_parent]
    children = [p.parent for p in products.values() if p.is_child and p.parent_id]
    if parents:
        prefetch_related_objects(parents, "children__stockrecords")
    if children:
        prefetch_related_objects(children, "images", "children__stockrecords")
    return products


def _purchasable(product, strategy):
    if not product.is_public:
        return False
    info = (strategy.fetch_for_parent(product) if product.is_parent
            else strategy.fetch_for_product(product))
    return info.availability.is_available_to_buy


def strategy_for(request):
    """The request's Oscar strategy (Oscar's basket middleware sets it; else built and kept)."""
    strategy = getattr(request, "strategy", None)
    if strategy is None:
        Selector = get_class("partner.strategy", "Selector")
        strategy = request.strategy = Selector().strategy(
            request=request, user=getattr(request, "user", None))
    return strategy


def ids_of(lines):
    return {line.product_id for line in lines if line.product_id}


def recommend_many(request, blocks, product=None, basket=None, order=None, limit=None,
                   exclude=(), basket_ids=None):
    """
    ``{block: [Item]}`` for the ``blocks`` of one page (see the module docstring), products
    fetched once for all of them: at most ``limit`` each (default
    ``RECOMMENDATIONS_BLOCK_SIZE``), never the page's ``product``, ``exclude`` (ids), what is in
    ``basket`` (default the request's; ``basket_ids``: its product ids instead), a product
    another block of the page shows, or one the shopper cannot buy.
    """
    check(blocks)
    limit = limit or conf.BLOCK_SIZE
    wanted = min(limit * 3, conf.TOP_N)
    version = current_version_id()
    basket = basket if basket is not None else getattr(request, "basket", None)
    if basket_ids is None:
        basket_ids = ids_of(basket.all_lines()) if basket is not None and basket.id else set()
    basket_ids = set(basket_ids)
    order_ids = ids_of(order.lines.all()) if order is not None else set()
    seen = set(basket_ids) | order_ids | set(exclude) | ({product.pk} if product else set())
    if "for_you" in blocks:  # what the shopper just looked at is not news to them
        seen |= set(recent.products(request))
    if product is not None:  # staff-curated products are shown by Oscar's page: never twice
        seen |= set(_cached(version, "curated", (product.pk,), lambda: list(
            product.recommended_products.values_list("pk", flat=True))))
    # Every block's chain of fallbacks, read (from the cache) before one fetch for all.
    chains = {}
    for block in blocks:
        chain, name = [], block
        while name:
            chain.append((name, _candidates(name, version, request, product, basket_ids,
                                            order_ids, wanted)))
            name = BLOCKS[name].fallback
        chains[block] = chain
    products = _fetch({pk for chain in chains.values() for _n, c in chain for pk, *_ in c}
                      - seen)
    strategy = strategy_for(request)
    rebuy = set(conf.REBUY_PRODUCT_CLASSES)
    bought = None
    result = {}
    for block in blocks:
        chosen = []
        for name, candidates in chains[block]:
            for pk, code, about in candidates:
                if len(chosen) >= limit:
                    break
                found = products.get(pk)
                if found is None:
                    continue
                shown = found.parent if found.is_child and found.parent_id else found
                if shown.pk in seen or not _purchasable(shown, strategy):
                    continue
                if name != "buy_again":
                    if bought is None:
                        bought = _bought(request, version)
                    klass = shown.get_product_class()
                    if shown.pk in bought and not {klass.slug, klass.name} & rebuy:
                        continue
                seen.update({found.pk, shown.pk})
                chosen.append(_item(shown, name, code, about, version))
        result[block] = chosen
    return result


def recommend(request, block, **kwargs):
    """The :class:`Item` s of one ``block`` (:func:`recommend_many`)."""
    return recommend_many(request, [block], **kwargs)[block]


def _bought(request, version):
    user, _visitor = shopper_of(request)
    if user is None:
        return set()
    return set(_cached(version, "bought", (user.pk,), lambda: bought_by(user)))


def _item(product, block, code, about, version):
    text = REASONS[code]
    reason = text.format(about or "an item you looked at") if "{}" in text else text
    source = block if version is None else f"{block}:{version}"
    return Item(product=product, block=block, reason=reason, version=version,
                url=f"{product.get_absolute_url()}?{urlencode({conf.SOURCE_PARAMETER: source})}")
