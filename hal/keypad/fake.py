"""FakeKeypad: key presses scripted up front, for firmware tests."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class FakeKeypad:
    """Returns the given key names in order, then None for ever."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._keys = deque(keys)

    def read_key(self) -> str | None:
        """Return the next scripted key, or None once all were read."""
        return self._keys.popleft() if self._keys else None
