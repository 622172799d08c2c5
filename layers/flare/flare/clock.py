"""The one source of 'now', so that tests (and later the scheduler) can control time."""

from collections.abc import Callable
from datetime import UTC, datetime

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now().astimezone(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (tests); None restores the wall clock."""
    global _now
    _now = clock or (lambda: datetime.now(UTC))


def iso(at: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, millisecond precision."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
