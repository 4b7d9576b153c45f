"""hal.machine: the MicroPython-style Pin on gpiozero, the mock pin and bus."""

from __future__ import annotations

import sys

import pytest
from gpiozero.pins.mock import MockFactory

from hal.machine import I2C, MockI2C, MockPin, Pin


def test_pin_output_drives_the_gpio() -> None:
    factory = MockFactory()
    pin = Pin(5, Pin.OUT, value=1, pin_factory=factory)
    try:
        gpio = factory.pin(5)
        assert gpio.state is True
        pin.off()
        assert (gpio.state, pin.value()) == (False, 0)
        pin.value(1)
        assert [s.state for s in gpio.states][-3:] == [True, False, True]
    finally:
        pin.close()


@pytest.mark.parametrize(("pull", "level"), [(Pin.PULL_UP, 1), (Pin.PULL_DOWN, 0)])
def test_pin_input_reads_its_pull(pull: int, level: int) -> None:
    factory = MockFactory()
    pin = Pin(6, Pin.IN, pull, pin_factory=factory)
    try:
        assert pin.value() == level
        factory.pin(6).drive_low() if level else factory.pin(6).drive_high()
        assert pin.value() == 1 - level
    finally:
        pin.close()


def test_pin_floating_input_reads_what_is_driven() -> None:
    factory = MockFactory()
    pin = Pin(13, Pin.IN, pin_factory=factory)
    try:
        factory.pin(13).drive_high()
        assert pin.value() == 1
    finally:
        pin.close()


def test_pin_value_set_on_an_input_applies_when_it_becomes_an_output() -> None:
    factory = MockFactory()
    pin = Pin(19, Pin.IN, pin_factory=factory)
    try:
        pin.value(1)
        pin.init(Pin.OUT)
        assert factory.pin(19).state is True
    finally:
        pin.close()


def test_pin_refuses_reads_before_init_and_open_drain() -> None:
    pin = Pin(26, pin_factory=MockFactory())
    with pytest.raises(ValueError, match="not configured"):
        pin.value()
    with pytest.raises(ValueError, match="not supported"):
        pin.init(Pin.OPEN_DRAIN)


def test_pin_close_frees_the_gpio() -> None:
    factory = MockFactory()
    Pin(5, Pin.OUT, pin_factory=factory).close()
    Pin(5, Pin.OUT, pin_factory=factory).close()  # claimed again without error


def test_pin_names_gpiozero_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gpiozero", None)
    with pytest.raises(ImportError, match="pip install gpiozero"):
        Pin(5, Pin.OUT)


def test_mock_pin_records_outputs_and_reads_its_source() -> None:
    heard: list[int] = []
    out = MockPin("o", MockPin.OUT, value=1, on_write=heard.append)
    out.off()
    out.on()
    assert out.history == [1, 0, 1] == heard
    level = [0]
    pin = MockPin("i", MockPin.IN, MockPin.PULL_UP, source=lambda: level[0])
    assert pin.value() == 0
    level[0] = 1
    assert pin.value() == 1
    floating = MockPin("f", MockPin.IN, MockPin.PULL_UP)
    assert floating.value() == 1
    floating.driven = 0
    assert floating.value() == 0


def test_i2c_names_the_fix_when_the_bus_is_missing() -> None:
    with pytest.raises(OSError, match="enable I2C"):
        I2C(250)


def test_mock_i2c_records_writes_and_refuses_absent_devices() -> None:
    bus = MockI2C(addresses=(0x27,))
    assert bus.writeto(0x27, b"\x01\x02") == 2
    assert bus.writes == [(0x27, b"\x01\x02")]
    with pytest.raises(OSError):
        bus.writeto(0x3F, b"\x00")
