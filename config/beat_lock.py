"""Only one beat schedules: a lease in Redis that the scheduling beat renews (issue #19).

Every beat started (`celery -A config beat`, CELERY_BEAT_SCHEDULER) ticks, but only the one
holding the key `chatrecords:beat-leader` sends tasks. The key is taken with SET NX PX and
renewed by its holder at each tick (a compare-and-set in Lua: only the holder's token renews or
deletes it), at least every BEAT_LOCK_SECONDS / 3. A beat that is killed, or cut off from Redis,
stops renewing; a standby takes the key within BEAT_LOCK_SECONDS and carries on. A beat that
cannot reach Redis sends nothing (it could not send to the broker either).

A standby keeps its schedule in step (each due entry is reserved as if sent), so that on taking
over it does not send at once everything it saw due while standing by. A run due in the moments
between the leader's death and the takeover is skipped; every job works from the database and
its next run does the work.

Without a Redis broker (embedded mode: the memory transport) there is one process and no lock.
"""

import contextlib
import logging
import uuid
from typing import Any

import redis
from celery.beat import PersistentScheduler, ScheduleEntry
from django.conf import settings

logger = logging.getLogger(__name__)

BEAT_LOCK_KEY = "chatrecords:beat-leader"

# Renews the key when this process holds it, takes it when nobody does; 1 when held after.
_ACQUIRE_OR_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisLease:
    """A lease on one Redis key, held by a random token: acquire or renew, release."""

    def __init__(self, url: str, *, key: str = BEAT_LOCK_KEY, seconds: float) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=max(1.0, seconds / 3))
        self.key, self.token, self.ttl_ms = key, uuid.uuid4().hex, int(seconds * 1000)

    def hold(self) -> bool:
        """True when this process holds the lease for the next `seconds` (taken or renewed)."""
        try:
            held = self.client.eval(_ACQUIRE_OR_RENEW, 1, self.key, self.token, self.ttl_ms)
        except redis.RedisError as error:
            logger.warning("beat lock: Redis unreachable (%s); sending nothing", error)
            return False
        return bool(held)

    def release(self) -> None:
        with contextlib.suppress(redis.RedisError):  # else the key expires by itself
            self.client.eval(_RELEASE, 1, self.key, self.token)


class SingleBeatScheduler(PersistentScheduler):
    """PersistentScheduler that sends only while it holds the beat lease (see module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lease_seconds = float(getattr(settings, "BEAT_LOCK_SECONDS", 30))
        self.lease: RedisLease | None = None
        self.leading: bool | None = None  # not known before the first tick
        super().__init__(*args, **kwargs)
        broker = str(self.app.conf.broker_url or "")
        if broker.startswith(("redis://", "rediss://", "unix://")):
            self.lease = RedisLease(broker, seconds=self.lease_seconds)
        # Tick often enough to renew the lease well before it expires.
        self.renew_every = min(float(self.max_interval or 300), self.lease_seconds / 3)

    def _lead(self) -> bool:
        leading = self.lease is None or self.lease.hold()
        if leading != self.leading:
            logger.info(
                "beat: %s",
                "scheduling (holds the beat lock)"
                if leading
                else "standing by (another beat holds the lock)",
            )
        self.leading = leading
        return leading

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self._lead()
        return min(float(super().tick(*args, **kwargs)), self.renew_every)

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        if not self.leading:
            logger.debug("beat: standing by, %s not sent", entry.name)
            return
        super().apply_entry(entry, producer=producer)

    def close(self) -> None:
        if self.lease is not None and self.leading:
            self.lease.release()
        super().close()
