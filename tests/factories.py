"""Helpers shared by tests."""

from django.core import signing

from recommendations import conf
from recommendations.middleware import COOKIE_SALT


def visitor_of(cookies):
    """The visitor id inside the signed visitor cookie of a cookie jar or response."""
    name = conf.VISITOR_COOKIE_NAME
    signer = signing.get_cookie_signer(salt=signing._cookie_signer_salt(name, COOKIE_SALT))
    return signer.unsign(cookies[name].value)
