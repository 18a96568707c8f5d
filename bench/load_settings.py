"""Settings for the load bench's reference server only (``bench/load.py``); never deployed.

The product is served with ``spinepath.settings`` as it ships. The reference server runs the same
code and database with this module: the URLconf holds only the reference views
(``bench/reference_urls.py``) and no middleware, because each reference view does for itself
the little the product's middleware does that its reads and writes need (find the session, the
user, collect the request's audited reads and write them in one INSERT).
"""

from spinepath.settings import *  # noqa: F403  (the product's settings, then two changes)

ROOT_URLCONF = "bench.reference_urls"
MIDDLEWARE: list[str] = []
