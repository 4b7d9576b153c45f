"""The monotonic counter port: a count outside the journal that only goes up.

A hash chain cannot show that records were cut off its end, nor that the
whole journal was swapped for an older copy of itself. The terminal
therefore advances a counter that lives outside the journal's flash with
every commit (the real terminal: a secure element's or TPM's NV counter;
the simulator: its own small file), and compares the two at boot.

Backends: ``FakeCounter`` (``hal.counter.fake``, tests) and ``FileCounter``
(``hal.counter.file``, the simulator); import each from its own module.
This Protocol is due to move to ``hal.ports`` next to the other ports.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

# The largest value a counter holds (stored on 8 bytes).
COUNTER_MAX = 2**64 - 1

# CounterError codes.
COUNTER_BACKWARDS = "COUNTER_BACKWARDS"  # advance_to below the current value
COUNTER_RANGE = "COUNTER_RANGE"  # advance_to outside 0..COUNTER_MAX
COUNTER_FAILED = "COUNTER_FAILED"  # the new value could not be made durable
COUNTER_UNREADABLE = "COUNTER_UNREADABLE"  # no valid value could be read back


class CounterError(Exception):
    """The counter refused or could not carry out an operation; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@runtime_checkable
class MonotonicCounter(Protocol):
    """A durable counter that never goes back (checked by tests/hal/test_hal_counter.py).

    Contract:
    - ``value()`` returns the last value ``advance_to`` returned for (0 for
      a new counter), also after a power cut or a restart: never less, and
      never a value that was not asked for.
    - ``advance_to(n)`` makes ``n`` the value and returns only once it is
      durable. ``n`` equal to the value changes nothing (a retry is safe).
      ``n`` below the value raises CounterError(COUNTER_BACKWARDS), outside
      0..COUNTER_MAX CounterError(COUNTER_RANGE); nothing changes then.
    - If the power fails or ``advance_to`` raises CounterError(COUNTER_FAILED)
      during ``advance_to(n)``, the value is then either the previous one or
      ``n``, nothing else.
    """

    def value(self) -> int: ...

    def advance_to(self, n: int) -> None: ...


def check_advance(current: int, n: int) -> None:
    """Raise CounterError unless ``n`` is a valid next value after ``current``."""
    if not 0 <= n <= COUNTER_MAX:
        raise CounterError(COUNTER_RANGE, f"counter value {n} outside 0..{COUNTER_MAX}")
    if n < current:
        raise CounterError(COUNTER_BACKWARDS, f"counter is at {current}: cannot go back to {n}")
