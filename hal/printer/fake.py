"""FakePrinter: records every job, with a settable state, for firmware tests."""

from __future__ import annotations

from hal.ports import PRINTER_READY, PRINTER_STATES, PrinterError


class FakePrinter:
    """``output`` holds every byte printed, ``jobs`` each job; ``state`` is what status() says."""

    def __init__(self, state: str = PRINTER_READY) -> None:
        self.output = bytearray()
        self.jobs: list[bytes] = []
        self.status_queries = 0  # lets a test check that status was asked before printing
        self._state = PRINTER_READY
        self.state = state

    @property
    def state(self) -> str:
        """Return the state status() reports."""
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        if value not in PRINTER_STATES:
            raise ValueError(f"unknown printer state {value!r}; one of {PRINTER_STATES}")
        self._state = value

    def status(self) -> str:
        """Return ``state`` (and count the query)."""
        self.status_queries += 1
        return self._state

    def print_bytes(self, data: bytes) -> None:
        """Record the job. Raises PrinterError (code = state) when not ready."""
        if self._state != PRINTER_READY:
            raise PrinterError(self._state, f"printer is {self._state}: job refused")
        self.jobs.append(bytes(data))
        self.output += data
