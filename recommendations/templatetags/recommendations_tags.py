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
nothing; an error is logged and renders nothing, so a block never breaks a page.  The two
rendering tags serve the HTML from the cache (:mod:`recommendations.fragments`).
"""

import logging

from django import template

from .. import blocks, conf, fragments

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag(takes_context=True)
def recommendation_blocks(context, *names, **kwargs):
    request = context.get("request")
    if request is None or not conf.BLOCKS_ENABLED:
        return ""
    return fragments.render(request, names, csrf_token=context.get("csrf_token"), **kwargs)


@register.simple_tag(takes_context=True)
def recommendation_block(context, name, **kwargs):
    return recommendation_blocks(context, name, **kwargs)


@register.simple_tag(takes_context=True)
def recommendations(context, name, **kwargs):
    request = context.get("request")
    if request is None or not conf.BLOCKS_ENABLED:
        return []
    try:
        return blocks.recommend(request, name, **kwargs)
    except blocks.UnknownBlock:
        raise
    except Exception:  # a broken cache or database read must not cost the page
        logger.exception("Recommendation block %s could not be read", name)
        return []
