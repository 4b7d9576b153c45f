"""SimKeypad: presses pushed by the simulator's UI (or a key script) from any thread."""

from __future__ import annotations

import queue


class SimKeypad:
    """A thread-safe queue of key names: ``press`` from the UI, ``read_key`` from the runner."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[str] = queue.SimpleQueue()

    def press(self, name: str) -> None:
        """Queue one press of the key ``name``. Raises ValueError for an empty name."""
        if not name:
            raise ValueError("a key name must not be empty")
        self._queue.put(name)

    def read_key(self) -> str | None:
        """Return the oldest unread press, or None at once when there is none."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None
