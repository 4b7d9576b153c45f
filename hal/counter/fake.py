"""FakeCounter: a monotonic counter in memory, for firmware tests."""

from __future__ import annotations

from hal.counter import COUNTER_FAILED, CounterError, check_advance


class FakeCounter:
    """Keeps the value and ``history`` of every change; ``failing`` makes advances fail.

    A counter swapped or reset behind the terminal's back (what a boot
    comparison must catch) is a new ``FakeCounter(value)`` on the board.
    """

    def __init__(self, value: int = 0) -> None:
        check_advance(0, value)
        self._value = value
        self.history: list[int] = []
        self.failing = False

    def value(self) -> int:
        """Return the current value."""
        return self._value

    def advance_to(self, n: int) -> None:
        """Make ``n`` the value. Raises CounterError (backwards, range, or ``failing``)."""
        check_advance(self._value, n)
        if self.failing:
            raise CounterError(COUNTER_FAILED, "counter write failed (FakeCounter.failing)")
        if n != self._value:
            self._value = n
            self.history.append(n)
