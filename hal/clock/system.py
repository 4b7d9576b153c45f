"""SystemClock: the operating system's wall clock, in the terminal's own time zone."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SystemClock:
    """Wall-clock time from ``time.time()``; local offset from a named time zone.

    A terminal in France keeps French time whatever the host's own zone is
    (the simulator often runs on machines set to UTC), so the zone is a
    setting of the terminal; None falls back to the operating system's.
    """

    def __init__(self, timezone: str | None = None) -> None:
        """Raise ValueError when ``timezone`` is not a known IANA zone name."""
        try:
            self._zone = ZoneInfo(timezone) if timezone else None
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None

    def now_utc(self) -> int:
        """Return whole seconds since 1970-01-01 UTC."""
        return int(time.time())

    def utc_offset_minutes(self) -> int:
        """Return the local offset from UTC now, in minutes (60 in winter in France)."""
        if self._zone is None:
            return time.localtime().tm_gmtoff // 60
        offset = datetime.now(UTC).astimezone(self._zone).utcoffset()
        return int(offset.total_seconds()) // 60 if offset is not None else 0

    def monotonic_ms(self) -> int:
        """Return milliseconds from an arbitrary origin, never going back."""
        return time.monotonic_ns() // 1_000_000
