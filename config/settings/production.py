"""Production: PostgreSQL, Redis, a real Celery worker and beat, HTTPS only.

Secrets have no default, so a missing one stops start-up; the embedded defaults of base.py are
refused too. `manage.py check --deploy --fail-level WARNING` passes with these settings (CI).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    ALLOW_SIMULATED_CLOCK,
    CLAIM_LEASE_SECONDS,
    DATABASE_REPLICA_URL,
    EMBEDDED_AUDIT_CHAIN_KEY,
    EMBEDDED_SECRET_KEY,
    database_replica,
    env,
    postgres_session_lease,
)

if ALLOW_SIMULATED_CLOCK:
    raise ImproperlyConfigured(
        "ALLOW_SIMULATED_CLOCK=true lets destructive jobs run on a future clock: test and demo "
        "settings only, never in production. Unset it."
    )

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: a missing secret stops start-up
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY")  # no default: the audit chain's HMAC key
if SECRET_KEY == EMBEDDED_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the embedded default, which is public: set a secret of your own"
    )
if AUDIT_CHAIN_KEY == EMBEDDED_AUDIT_CHAIN_KEY:
    raise ImproperlyConfigured(
        "AUDIT_CHAIN_KEY is the embedded default, which is public: set a secret of your own"
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")  # no default: name the public host(s)
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"].setdefault("OPTIONS", {}).update(
    postgres_session_lease(CLAIM_LEASE_SECONDS)  # the lease on claimed work (base.py)
)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_replica(DATABASES["default"], DATABASE_REPLICA_URL)
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = False
# One cache for every web worker: the API throttles count there.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
}

# HTTPS only. Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
