"""The real clock and the simulated one (`run_job --now`, SPEC §4).

Invariants:
- A job that destroys content never runs as of a moment later than the real clock unless
  ALLOW_SIMULATED_CLOCK is true (test and demo settings; production refuses to start with it):
  `clock_check_destructive` raises SimulatedClockRefused before the job touches anything.
- Whatever moment a destructive service is given, it decides due-ness against
  `clock_destruction_moment(now)`: never later than the real clock unless simulation is allowed,
  so a batch built as of a future moment destroys nothing before its real due date.
- Evidence (audit events, tombstones, certificates) is stamped with the real time; `clock_as_of`
  says which evaluation moment to record beside it (None when the job ran on the real clock).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.exceptions import ApplicationError

SIMULATED_CLOCK_SETTING = "ALLOW_SIMULATED_CLOCK"
# A job evaluated as of its start runs for a while: within this much of the real clock, the
# evaluation moment is the real time and no `as_of` is recorded beside it.
AS_OF_TOLERANCE = timedelta(minutes=5)


class SimulatedClockRefused(ApplicationError):
    """A destructive job was asked to run as of a moment later than the real clock."""

    status_code = 400


def clock_simulation_allowed() -> bool:
    return bool(getattr(settings, SIMULATED_CLOCK_SETTING, False))


def clock_check_destructive(*, job: str, now: datetime) -> None:
    real = timezone.now()
    if now > real and not clock_simulation_allowed():
        raise SimulatedClockRefused(
            f"{job} destroys content and refuses --now {now.isoformat()}, later than the real "
            f"clock ({real.isoformat()}); set {SIMULATED_CLOCK_SETTING}=true to simulate "
            "(test and demo settings only). Nothing was changed.",
            extra={"job": job, "now": now.isoformat(), "setting": SIMULATED_CLOCK_SETTING},
        )


def clock_destruction_moment(now: datetime) -> datetime:
    """The moment against which a destructive service checks due-ness: `now`, but never later
    than the real clock unless the simulated clock is allowed."""
    if clock_simulation_allowed():
        return now
    return min(now, timezone.now())


def clock_as_of(now: datetime | None) -> datetime | None:
    """The evaluation moment to record beside the real time, or None when they agree."""
    if now is None or abs(timezone.now() - now) <= AS_OF_TOLERANCE:
        return None
    return now
