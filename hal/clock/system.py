"""SystemClock: the operating system's wall clock and monotonic clock."""

from __future__ import annotations

import time


class SystemClock:
    """Wall-clock time from ``time.time()``, local offset from the OS time zone."""

    def now_utc(self) -> int:
        """Return whole seconds since 1970-01-01 UTC."""
        return int(time.time())

    def utc_offset_minutes(self) -> int:
        """Return the local offset from UTC now, in minutes (60 in winter in France)."""
        return time.localtime().tm_gmtoff // 60

    def monotonic_ms(self) -> int:
        """Return milliseconds from an arbitrary origin, never going back."""
        return time.monotonic_ns() // 1_000_000
