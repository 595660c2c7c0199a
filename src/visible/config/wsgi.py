"""The WSGI application gunicorn serves (visible/config/gunicorn.py). Production settings
unless DJANGO_SETTINGS_MODULE names others: they refuse to start without their secrets, so a
server never comes up on the demo's settings by accident."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visible.config.settings.production")
application = get_wsgi_application()
