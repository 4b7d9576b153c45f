"""ScriptClock: simulated time for headless scripts (``fiscal-sim --now``).

A script that closes a month must run at a month end, whatever today is.
The clock starts at a local date and time in the terminal's time zone and
moves forward only when told (the headless runner advances it a few
seconds per key), so a script gives the same records on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SECONDS_PER_KEY = 2


class ScriptClock:
    """A wall clock that starts at ``start`` (local, naive) and advances by ``tick``."""

    def __init__(self, start: datetime, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)
        local = start.replace(tzinfo=self._zone) if start.tzinfo is None else start
        self._now = local.astimezone(UTC)
        self._monotonic_ms = 0

    def tick(self, seconds: int = SECONDS_PER_KEY) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic_ms += seconds * 1000

    def now_utc(self) -> int:
        return int(self._now.timestamp())

    def utc_offset_minutes(self) -> int:
        offset = self._now.astimezone(self._zone).utcoffset()
        return int(offset.total_seconds()) // 60 if offset is not None else 0

    def monotonic_ms(self) -> int:
        return self._monotonic_ms
