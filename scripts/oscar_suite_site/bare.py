"""
Oscar's test settings (``tests.settings``) as they are, except that every pytest-xdist worker
gets its own Whoosh index and public (media, static) folder.

Oscar's workers share ``tests/whoosh_index``: a test that touches search fails now and then with
``FileNotFoundError`` while the other worker rebuilds it.  They share ``tests/public/media`` too:
the image tests expect an empty image folder and delete it afterwards, and the first worker to
finish deletes the whole ``MEDIA_ROOT`` (``pytest_unconfigure``) under the other one.  Both the bare run and the
run with our apps use this module, so a difference between them is never that race.
"""

import os

from tests.settings import *  # noqa: F401,F403
from tests.settings import HAYSTACK_CONNECTIONS, location

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")

HAYSTACK_CONNECTIONS = {
    **HAYSTACK_CONNECTIONS,
    "default": {**HAYSTACK_CONNECTIONS["default"], "PATH": location(f"whoosh_index_{WORKER}")},
}
# oscar.test.utils finds thumbnails at PUBLIC_ROOT + MEDIA_URL: move the whole public folder.
PUBLIC_ROOT = location(f"public_{WORKER}")
MEDIA_ROOT = os.path.join(PUBLIC_ROOT, "media")
STATIC_ROOT = os.path.join(PUBLIC_ROOT, "static")
