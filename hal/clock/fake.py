"""FakeClock: a clock that only moves when the test says so."""

from __future__ import annotations

import math

# 2026-01-01T00:00:00Z: a fixed, readable default instant.
FAKE_CLOCK_START_UTC = 1_767_225_600


class FakeClock:
    """A settable wall clock (``now``), fixed UTC offset, monotonic clock moved by ``advance``."""

    def __init__(
        self, now: float = FAKE_CLOCK_START_UTC, utc_offset_minutes: int = 60, monotonic_ms: int = 0
    ) -> None:
        self.now = now
        self.offset_minutes = utc_offset_minutes
        self._monotonic_ms = monotonic_ms

    def advance(self, seconds: float) -> None:
        """Move the wall clock and the monotonic clock forward by ``seconds``.

        Raises ValueError for a negative step (set ``now`` to move the wall clock back).
        """
        if seconds < 0:
            raise ValueError("a clock cannot advance by a negative time; set .now instead")
        self.now += seconds
        self._monotonic_ms += round(seconds * 1000)

    def now_utc(self) -> int:
        """Return ``now`` as whole seconds (rounded down)."""
        return math.floor(self.now)

    def utc_offset_minutes(self) -> int:
        """Return the fixed offset (60 by default: France in winter)."""
        return self.offset_minutes

    def monotonic_ms(self) -> int:
        """Return the milliseconds advanced so far (plus the starting value)."""
        return self._monotonic_ms
