import os

from django.core.wsgi import get_wsgi_application

from core.collector import collector_tune_for_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_wsgi_application()
# The loaded application is permanent; requests' garbage is collected less often (core/collector).
collector_tune_for_requests()
