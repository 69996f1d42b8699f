"""Developer machine and `make demo`: the embedded mode. DEBUG stays off unless DJANGO_DEBUG=true
(base.py): the demo may be reached from a LAN, and WhiteNoise serves the collected static files
with DEBUG off."""

from .base import *  # noqa: F403

# WhiteNoise also serves straight from the apps' static folders, so the pages keep their styles
# with DEBUG off even before `collectstatic` (which `make demo` runs anyway).
WHITENOISE_USE_FINDERS = True
