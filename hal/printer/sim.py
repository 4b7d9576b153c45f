"""SimPrinter: the simulator's printer; the UI renders jobs and toggles faults."""

from __future__ import annotations

import threading
from collections.abc import Callable

from hal.ports import (
    PRINTER_COVER_OPEN,
    PRINTER_OFFLINE,
    PRINTER_PAPER_OUT,
    PRINTER_READY,
    PrinterError,
)

JobListener = Callable[[bytes], None]


class SimPrinter:
    """Records jobs like FakePrinter, notifies listeners of each; faults set by the UI."""

    def __init__(self) -> None:
        self.output = bytearray()
        self.jobs: list[bytes] = []
        self._offline = False
        self._cover_open = False
        self._paper_out = False
        self._listeners: list[JobListener] = []
        self._lock = threading.Lock()
        # Serialises print-and-notify so listeners get jobs in print order.
        self._print_lock = threading.RLock()

    def add_listener(self, listener: JobListener) -> None:
        """Call ``listener(job_bytes)`` after each job, from the printing thread."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: JobListener) -> None:
        """Stop calling ``listener``. Raises ValueError when it was not added."""
        with self._lock:
            self._listeners.remove(listener)

    def set_offline(self, offline: bool) -> None:
        """Unplug (True) or plug back (False) the printer."""
        with self._lock:
            self._offline = offline

    def set_cover_open(self, cover_open: bool) -> None:
        """Open (True) or close (False) the paper cover."""
        with self._lock:
            self._cover_open = cover_open

    def set_paper_out(self, paper_out: bool) -> None:
        """Run out of paper (True) or load a new roll (False)."""
        with self._lock:
            self._paper_out = paper_out

    def status(self) -> str:
        """Return the first fault of offline, cover open, paper out; else ready."""
        with self._lock:
            return self._status_locked()

    def print_bytes(self, data: bytes) -> None:
        """Record the job and notify the listeners. Raises PrinterError when not ready."""
        job = bytes(data)
        with self._print_lock:
            with self._lock:
                state = self._status_locked()
                if state != PRINTER_READY:
                    raise PrinterError(state, f"printer is {state}: job refused")
                self.jobs.append(job)
                self.output += job
                listeners = list(self._listeners)
            for listener in listeners:
                listener(job)

    def _status_locked(self) -> str:
        # Same order as a real printer answers: a printer that does not
        # answer tells nothing else, and an open cover stops it before paper.
        if self._offline:
            return PRINTER_OFFLINE
        if self._cover_open:
            return PRINTER_COVER_OPEN
        if self._paper_out:
            return PRINTER_PAPER_OUT
        return PRINTER_READY
