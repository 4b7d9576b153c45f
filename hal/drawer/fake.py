"""FakeCashDrawer: counts pulses and plays the drawer's sensor, for firmware tests."""

from __future__ import annotations


class FakeCashDrawer:
    """``pulses`` counts ``open`` calls; the drawer reads open after a pulse until ``close``."""

    def __init__(self, has_sensor: bool = True) -> None:
        self.has_sensor = has_sensor
        self.pulses = 0
        self._open = False

    def open(self) -> None:
        """Record one solenoid pulse; the drawer springs open."""
        self.pulses += 1
        self._open = True

    def close(self) -> None:
        """Push the drawer shut (what the cashier does)."""
        self._open = False

    def is_open(self) -> bool | None:
        """Return whether the drawer is open, or None when built without a sensor."""
        return self._open if self.has_sensor else None
