"""Read-heavy traffic on a PostgreSQL read replica (issue #19).

With `DATABASE_REPLICA_URL` set, settings add a `replica` database alias and this router. GET and
HEAD requests of the read-heavy surfaces (`DATABASE_REPLICA_PATHS`: knowledge-base search,
trends, OData, reports) read from the replica; everything else — every write, every other page
and endpoint, every job — uses `default`. Without the variable there is no alias and this
router sends everything to `default`.

What stays on the primary even inside a replica request, because a replica lags behind it:
- writes (a search logged for the usage report, an audit event): `db_for_write` is always
  `default`;
- reads inside a transaction open on `default`: they belong to that transaction's snapshot
  (get-or-create, select_for_update);
- identity and sessions (auth, tokens, sessions, django-axes, content types): a token created a
  moment ago must work at once, and a lockout must hold everywhere.
So a replica request may show search results, trends or a report some replication lag old; it
never authenticates against stale credentials or writes to the replica (which refuses writes).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
DEFAULT = "default"
# Apps whose rows are never read from the replica (see the module docstring).
PRIMARY_ONLY_APPS = frozenset({"auth", "authtoken", "sessions", "axes", "contenttypes", "admin"})
READ_METHODS = frozenset({"GET", "HEAD"})

_reading_from_replica: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads in this block go to the replica when one is configured (the rules above apply)."""
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


def path_reads_from_replica(path: str) -> bool:
    """An entry of DATABASE_REPLICA_PATHS is a path prefix, or an exact path when it ends in
    `$` (the search page `/kb/` alone, not the article editor under it)."""
    for entry in settings.DATABASE_REPLICA_PATHS:
        if not entry.strip("$"):
            continue  # an empty entry (`DATABASE_REPLICA_PATHS=` with a blank) matches nothing
        if path == entry[:-1] if entry.endswith("$") else path.startswith(entry):
            return True
    return False


class ReplicaRouter:
    """`DATABASE_ROUTERS` entry: see the module docstring."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if (
            _reading_from_replica.get()
            and replica_configured()
            and model._meta.app_label not in PRIMARY_ONLY_APPS
            and not connections[DEFAULT].in_atomic_block
        ):
            return REPLICA
        return DEFAULT

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database: the replica is a copy of default

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT  # the replica gets the schema by replication


class ReplicaReadsMiddleware:
    """Marks the read-heavy GET and HEAD requests of DATABASE_REPLICA_PATHS (does nothing
    without a replica)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in READ_METHODS
            and replica_configured()
            and path_reads_from_replica(request.path)
        ):
            with replica_reads():
                return self.get_response(request)
        return self.get_response(request)
