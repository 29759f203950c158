"""
Template tags of the storefront blocks.  ``{% load recommendations_tags %}``, then

* ``{% recommendation_blocks "also_bought" "bought_together" "similar" product=product %}``
  renders the blocks of one page (products fetched once for all of them, none shown twice);
* ``{% recommendation_block "trending" %}`` renders one block, anywhere;
* ``{% recommendations "for_you" limit=8 as items %}`` gives the :class:`~recommendations.blocks.Item`
  list for markup of your own.

Keyword arguments: ``product`` (the page's), ``basket`` (default the request's), ``order`` (the
thank-you page's), ``limit``, ``exclude`` (product ids).  The partials are
``recommendations/partials/blocks.html``, ``block.html``, ``bought_together.html`` and
``product.html``: override them in your templates folder.  A block with nothing to show renders
nothing; an error is logged and renders nothing, so a block never breaks a page.
"""

import logging

from django import template

from .. import blocks, conf

register = template.Library()
logger = logging.getLogger(__name__)


def _safely(context, names, **kwargs):
    request = context.get("request")
    if request is None or not conf.BLOCKS_ENABLED:
        return {}
    try:
        return blocks.recommend_many(request, names, **kwargs)
    except blocks.UnknownBlock:
        raise
    except Exception:  # a broken cache or database read must not cost the page
        logger.exception("Recommendation blocks %s could not be read", names)
        return {}


@register.inclusion_tag("recommendations/partials/blocks.html", takes_context=True)
def recommendation_blocks(context, *names, **kwargs):
    found = _safely(context, list(names), **kwargs)
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "page_product": kwargs.get("product"),
        # A block that could only show its fallback's products says so (e.g. "Trending now").
        "blocks": [(blocks.BLOCKS[name if any(i.block == name for i in found[name])
                                  else found[name][0].block], found[name])
                   for name in names if found.get(name)],
    }


@register.inclusion_tag("recommendations/partials/blocks.html", takes_context=True)
def recommendation_block(context, name, **kwargs):
    return recommendation_blocks(context, name, **kwargs)


@register.simple_tag(takes_context=True)
def recommendations(context, name, **kwargs):
    return _safely(context, [name], **kwargs).get(name, [])
