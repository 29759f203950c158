"""Our URLs as the README includes them, before those of Oscar's test site (``tests._site.urls``)."""

import importlib
import sys

from django.urls import include, path

# Oscar's guest-checkout tests reload ROOT_URLCONF so that the checkout URLs are built again under
# OSCAR_ALLOW_ANON_CHECKOUT=True.  A shop's urls.py builds Oscar's URLs itself; here they come from
# the test site's module, so reloading this module reloads that one too.
_SITE = "tests._site.urls"
oscar_site = importlib.reload(sys.modules[_SITE]) if _SITE in sys.modules else (
    importlib.import_module(_SITE))

urlpatterns = [
    path("api/recommendations/", include("recommendations.api.urls")),
    path("accounts/", include("recommendations.urls")),  # the shopper's Privacy page
    # Spliced in, not include()d: Django only sees i18n_patterns() at the top of the URLconf.
    *oscar_site.urlpatterns,
]

handler403 = oscar_site.handler403
handler404 = oscar_site.handler404
handler500 = oscar_site.handler500
