import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
application = get_wsgi_application()

# The site refuses to start without the keys its personal numbers are encrypted with
# (safeserve.E001); management commands refuse through the same system check.
from safeserve.common.checks import missing_keys  # noqa: E402 — needs the apps loaded

if missing_keys():
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"{', '.join(missing_keys())} must be set (32+ characters each) before SafeServe starts."
    )
