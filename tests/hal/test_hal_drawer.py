"""Drawer backends: the GPIO pulse as the pin saw it, the sensor's polarity, sim listeners."""

from __future__ import annotations

import sys

import pytest
from gpiozero.pins.mock import MockFactory

from hal.drawer.gpio import GpioCashDrawer
from hal.drawer.sim import SimCashDrawer
from hal.ports import DRAWER_PULSE_MS

SOLENOID, SENSOR = 17, 27


def test_gpio_pulse_is_off_on_off_with_the_coil_on_during_the_sleep() -> None:
    factory = MockFactory()
    pin = factory.pin(SOLENOID)
    during_sleep: list[tuple[float, bool]] = []
    drawer = GpioCashDrawer(
        SOLENOID, pin_factory=factory, sleep=lambda s: during_sleep.append((s, pin.state))
    )
    try:
        pin.clear_states()
        drawer.open()
        assert [s.state for s in pin.states] == [False, True, False]
        assert during_sleep == [(DRAWER_PULSE_MS / 1000, True)]
    finally:
        drawer.release()


def test_gpio_pulse_really_lasts_the_pulse() -> None:
    factory = MockFactory()
    pin = factory.pin(SOLENOID)
    drawer = GpioCashDrawer(SOLENOID, pin_factory=factory, pulse_ms=20)
    try:
        pin.clear_states()
        drawer.open()
        # The on-state lasted at least the pulse (an upper bound would test the machine).
        assert [s.state for s in pin.states] == [False, True, False]
        assert pin.states[2].timestamp >= 0.020
    finally:
        drawer.release()


def test_gpio_coil_is_switched_off_even_when_the_pulse_is_interrupted() -> None:
    factory = MockFactory()
    pin = factory.pin(SOLENOID)

    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    drawer = GpioCashDrawer(SOLENOID, pin_factory=factory, sleep=interrupted)
    try:
        with pytest.raises(KeyboardInterrupt):
            drawer.open()
        assert pin.state is False
        assert [s.state for s in pin.states][-2:] == [True, False]
    finally:
        drawer.release()


@pytest.mark.parametrize(
    ("open_level", "level", "is_open"), [(1, 1, True), (1, 0, False), (0, 0, True), (0, 1, False)]
)
def test_gpio_sensor_polarity(open_level: int, level: int, is_open: bool) -> None:
    factory = MockFactory()
    drawer = GpioCashDrawer(SOLENOID, SENSOR, sensor_open_level=open_level, pin_factory=factory)
    try:
        assert factory.pin(SENSOR).pull == "up"
        sensor = factory.pin(SENSOR)
        sensor.drive_high() if level else sensor.drive_low()
        assert drawer.is_open() is is_open
    finally:
        drawer.release()


def test_gpio_release_frees_the_pins() -> None:
    factory = MockFactory()
    GpioCashDrawer(SOLENOID, SENSOR, pin_factory=factory).release()
    again = GpioCashDrawer(SOLENOID, SENSOR, pin_factory=factory)  # would raise if still claimed
    again.release()


def test_gpio_drawer_names_gpiozero_when_it_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gpiozero", None)
    with pytest.raises(ImportError, match="pip install gpiozero"):
        GpioCashDrawer(SOLENOID)


def test_sim_drawer_notifies_open_and_close_once_each() -> None:
    drawer = SimCashDrawer()
    seen: list[bool] = []
    drawer.add_listener(seen.append)
    drawer.open()
    drawer.open()  # already open: a pulse, no change
    drawer.close()
    drawer.close()
    assert seen == [True, False]
    assert drawer.pulses == 2
    drawer.remove_listener(seen.append)
    drawer.open()
    assert seen == [True, False]
