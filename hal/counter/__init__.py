"""The monotonic counter port: a count outside the journal that only goes up.

A hash chain cannot show that records were cut off its end, nor that the
whole journal was swapped for an older copy of itself. The terminal
therefore advances a counter that lives outside the journal's flash with
every commit (the real terminal: a secure element's or TPM's NV counter;
the simulator: its own small file), and compares the two at boot.

The port (``MonotonicCounter``, ``CounterError`` and its codes) is in
``hal.ports`` with the other ports; this package re-exports its names and
holds the check every backend shares. Backends: ``FakeCounter``
(``hal.counter.fake``, tests) and ``FileCounter`` (``hal.counter.file``, the
simulator); import each from its own module.
"""

from __future__ import annotations

from hal.ports import (
    COUNTER_BACKWARDS,
    COUNTER_FAILED,
    COUNTER_MAX,
    COUNTER_RANGE,
    COUNTER_UNREADABLE,
    CounterError,
    MonotonicCounter,
)

__all__ = [
    "COUNTER_BACKWARDS",
    "COUNTER_FAILED",
    "COUNTER_MAX",
    "COUNTER_RANGE",
    "COUNTER_UNREADABLE",
    "CounterError",
    "MonotonicCounter",
    "check_advance",
]


def check_advance(current: int, n: int) -> None:
    """Raise CounterError unless ``n`` is a valid next value after ``current``."""
    if not 0 <= n <= COUNTER_MAX:
        raise CounterError(COUNTER_RANGE, f"counter value {n} outside 0..{COUNTER_MAX}")
    if n < current:
        raise CounterError(COUNTER_BACKWARDS, f"counter is at {current}: cannot go back to {n}")
