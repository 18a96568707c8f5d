"""Settings for ``bench/web.py``'s server and ``bench/pages_profile.py`` only; never deployed.

The product's settings as they ship, middleware and all, with one change: the URLconf
(``bench/web_urls.py``) adds the bench's reference page after every product address, so the
product's pages resolve exactly as in production and the reference is measured through the same
stack.
"""

from spinepath.settings import *  # noqa: F403  (the product's settings, then one change)

ROOT_URLCONF = "bench.web_urls"
