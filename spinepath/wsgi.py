import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
application = get_wsgi_application()

# A production server runs no system checks: stop here, with the reason, rather than serve pages
# that all fail for want of the collected static files.
from spinepath.lib.static_files import require_collected_static_files  # noqa: E402

require_collected_static_files()

# The outcome statistics' imports (lifelines, pandas, scipy: seconds of CPU) are paid here, at
# start, rather than by the first dashboard a worker process answers (docs/performance.md).
from spinepath.analytics.apps import preload  # noqa: E402

preload()
