"""SimCashDrawer: the simulator's drawer; the UI shows it and the user closes it."""

from __future__ import annotations

import threading
from collections.abc import Callable

DrawerListener = Callable[[bool], None]


class SimCashDrawer:
    """Open state plus listeners called with the new state on each change; thread-safe."""

    def __init__(self, has_sensor: bool = True) -> None:
        self.has_sensor = has_sensor
        self.pulses = 0
        self._open = False
        self._listeners: list[DrawerListener] = []
        self._lock = threading.Lock()
        # Serialises change-and-notify so listeners see open/close in order.
        self._change_lock = threading.RLock()

    def add_listener(self, listener: DrawerListener) -> None:
        """Call ``listener(is_open)`` after every change, from the thread that made it."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: DrawerListener) -> None:
        """Stop calling ``listener``. Raises ValueError when it was not added."""
        with self._lock:
            self._listeners.remove(listener)

    def open(self) -> None:
        """Pulse the (simulated) solenoid: the drawer springs open."""
        with self._lock:
            self.pulses += 1
        self._set(True)

    def close(self) -> None:
        """Push the drawer shut (the user, from the simulator's UI)."""
        self._set(False)

    def is_open(self) -> bool | None:
        """Return whether the drawer is open, or None when built without a sensor."""
        with self._lock:
            return self._open if self.has_sensor else None

    def _set(self, is_open: bool) -> None:
        with self._change_lock:
            with self._lock:
                if self._open == is_open:
                    return
                self._open = is_open
                listeners = list(self._listeners)
            for listener in listeners:
                listener(is_open)
