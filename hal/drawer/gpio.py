"""GpioCashDrawer: a drawer solenoid on a GPIO (through a driver transistor), optional sensor.

The solenoid is pulsed by a blocking on / sleep / off inside try/finally:
whatever interrupts the sleep (an exception, KeyboardInterrupt), the pin is
switched off, so the coil can never stay energised and burn. A background
timer (gpiozero's ``blink``) would return sooner but could be left on by a
crash of the process between on and off.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from hal.ports import DRAWER_PULSE_MS


class GpioCashDrawer:
    """A CashDrawer on gpiozero devices; ``pin_factory`` lets tests use ``MockFactory``."""

    def __init__(
        self,
        solenoid_pin: int | str,
        sensor_pin: int | str | None = None,
        *,
        pulse_ms: int = DRAWER_PULSE_MS,
        sensor_open_level: int = 1,
        pin_factory: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Claim the solenoid output (off) and the sensor input (pulled up), if any.

        ``sensor_open_level`` is the level the sensor pin reads with the drawer
        open (1 by default: a switch that grounds the pin while the drawer is
        shut, so a cut sensor wire reads "open", which the cashier will see).
        Raises ImportError naming gpiozero when it is missing.
        """
        try:
            from gpiozero import DigitalInputDevice, DigitalOutputDevice
        except ImportError as exc:
            raise ImportError(
                "GpioCashDrawer needs gpiozero: pip install gpiozero (plus lgpio on a Pi 5)"
            ) from exc
        self.pulse_ms = pulse_ms
        self._sleep = sleep
        self._sensor_open_level = 1 if sensor_open_level else 0
        self._pulse_lock = threading.Lock()
        self._solenoid: Any = DigitalOutputDevice(
            solenoid_pin, initial_value=False, pin_factory=pin_factory
        )
        self._sensor: Any = None
        if sensor_pin is not None:
            self._sensor = DigitalInputDevice(sensor_pin, pull_up=True, pin_factory=pin_factory)

    def open(self) -> None:
        """Energise the solenoid for ``pulse_ms``, then always de-energise it."""
        with self._pulse_lock:
            try:
                self._solenoid.on()
                self._sleep(self.pulse_ms / 1000)
            finally:
                self._solenoid.off()

    def is_open(self) -> bool | None:
        """Return whether the sensor reads "open", or None without a sensor."""
        if self._sensor is None:
            return None
        level = 1 if self._sensor.pin.state else 0
        return level == self._sensor_open_level

    def release(self) -> None:
        """Free the GPIOs (named so, as ``close`` means shutting the drawer on the sim)."""
        self._solenoid.close()
        if self._sensor is not None:
            self._sensor.close()
