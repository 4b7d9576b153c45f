"""SimDisplay: the simulator's display; the UI listens for changes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from hal.display.text import fit_line, latin_char

DisplayListener = Callable[[str, str], None]


class SimDisplay:
    """Current lines plus listeners called with (line1, line2) on each change; thread-safe."""

    def __init__(self) -> None:
        blank = fit_line("", latin_char)
        self._lines = (blank, blank)
        self._listeners: list[DisplayListener] = []
        self._lock = threading.Lock()
        # Serialises show-and-notify so listeners see changes in order; re-entrant
        # so a listener may itself call show.
        self._show_lock = threading.RLock()

    @property
    def lines(self) -> tuple[str, str]:
        """Return the two lines shown now (20 columns each)."""
        with self._lock:
            return self._lines

    def add_listener(self, listener: DisplayListener) -> None:
        """Call ``listener(line1, line2)`` after every change, from the thread that showed it."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: DisplayListener) -> None:
        """Stop calling ``listener``. Raises ValueError when it was not added."""
        with self._lock:
            self._listeners.remove(listener)

    def show(self, line1: str, line2: str = "") -> None:
        """Fit and show both lines; notify the listeners if the screen changed."""
        lines = (fit_line(line1, latin_char), fit_line(line2, latin_char))
        with self._show_lock:
            with self._lock:
                if lines == self._lines:
                    return
                self._lines = lines
                listeners = list(self._listeners)
            # Outside the state lock, so a listener may read .lines.
            for listener in listeners:
                listener(*lines)
