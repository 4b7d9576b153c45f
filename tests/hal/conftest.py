"""Rigs: every backend that can run here, behind one test-side interface per port.

A rig builds a backend and plays the world around it (presses keys, reads
what the display shows, shuts the drawer, breaks the printer), so the
contract suite in test_contracts.py is written once per port.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory
from gpiozero.pins.mock import MockPin as GpioMockPin

from hal.clock.fake import FakeClock
from hal.clock.system import SystemClock
from hal.display.fake import FakeDisplay
from hal.display.hd44780 import Hd44780Display
from hal.display.sim import SimDisplay
from hal.display.text import hd44780_char, latin_char
from hal.drawer.fake import FakeCashDrawer
from hal.drawer.gpio import GpioCashDrawer
from hal.drawer.sim import SimCashDrawer
from hal.flash.emulated import EmulatedFlash
from hal.flash.file import FileFlash
from hal.flash.partition import PartitionFlash
from hal.flash.ram import RamFlash
from hal.keypad.fake import FakeKeypad
from hal.keypad.matrix import MatrixKeypad
from hal.keypad.sim import SimKeypad
from hal.machine import MockI2C, Pin
from hal.ports import FlashGeometry, Keypad
from hal.printer.escpos import EscposPrinter
from hal.printer.fake import FakePrinter
from hal.printer.sim import SimPrinter
from hal.serial.fake import FakeSerialLink
from hal.serial.pyserial_link import PySerialLink
from tests.hal.hal_doubles import MatrixModel, StatusDummy, hd44780_from_writes

# ---------------------------------------------------------------------------
# Keypad

# Key names from docs/KEYS.md, on a 4 x 4 test matrix.
KEYMAP = [
    ["1", "2", "3", "CLEAR"],
    ["4", "5", "6", "X"],
    ["7", "8", "9", "SUBTOTAL"],
    ["0", "00", "PLU", "ENTER"],
]
ROW_GPIOS = [5, 6, 13, 19]
COL_GPIOS = [12, 16, 20, 21]
POSITION = {name: (r, c) for r, line in enumerate(KEYMAP) for c, name in enumerate(line)}


@pytest.fixture(params=["fake", "sim", "matrix", "matrix-gpiozero"])
def make_keypad(request: pytest.FixtureRequest) -> Iterator[Callable[[list[str]], Keypad]]:
    """Return make(keys): a keypad on which those keys will be pressed, one after another."""
    cleanups: list[Callable[[], None]] = []

    def make(keys: list[str]) -> Keypad:
        if request.param == "fake":
            return FakeKeypad(keys)
        if request.param == "sim":
            keypad = SimKeypad()
            for key in keys:
                keypad.press(key)
            return keypad
        model = MatrixModel.typing(4, 4, [POSITION[key] for key in keys])
        if request.param == "matrix":
            rows, cols = model.machine_pins()
            return MatrixKeypad(rows, cols, KEYMAP)
        factory = MockFactory()
        model.wire_gpiozero(factory, ROW_GPIOS, COL_GPIOS)
        pins = [Pin(n, pin_factory=factory) for n in ROW_GPIOS + COL_GPIOS]
        cleanups.extend(pin.close for pin in pins)
        return MatrixKeypad(pins[:4], pins[4:], KEYMAP)

    yield make
    for cleanup in cleanups:
        cleanup()


# ---------------------------------------------------------------------------
# Display


@dataclass
class DisplayRig:
    display: Any
    visible: Callable[[], tuple[str, str]]
    charset: Callable[[str], str]


@pytest.fixture(params=["fake", "sim", "hd44780"])
def display_rig(request: pytest.FixtureRequest) -> DisplayRig:
    if request.param == "fake":
        fake = FakeDisplay()
        return DisplayRig(fake, lambda: fake.lines, latin_char)
    if request.param == "sim":
        sim = SimDisplay()
        return DisplayRig(sim, lambda: sim.lines, latin_char)
    bus = MockI2C()
    lcd = Hd44780Display(bus, delay_ms=lambda ms: None)
    return DisplayRig(lcd, lambda: hd44780_from_writes(bus.writes).lines(), hd44780_char)


# ---------------------------------------------------------------------------
# Cash drawer

SOLENOID_GPIO = 17
SENSOR_GPIO = 27


class SolenoidPin(GpioMockPin):
    """A solenoid output: energising it springs the drawer, whose switch opens (pin high)."""

    sensor: GpioMockPin | None = None

    def _change_state(self, value: bool) -> bool:
        changed = super()._change_state(value)
        if value and self._function == "output" and self.sensor is not None:
            self.sensor.drive_high()
        return changed


@dataclass
class DrawerRig:
    drawer: Any
    has_sensor: bool
    pulses: Callable[[], int]
    shut: Callable[[], None]  # the cashier pushes the drawer closed
    energised: Callable[[], bool]


@pytest.fixture(params=["fake", "fake-no-sensor", "sim", "sim-no-sensor", "gpio", "gpio-no-sensor"])
def drawer_rig(request: pytest.FixtureRequest) -> Iterator[DrawerRig]:
    kind, _, no_sensor = request.param.partition("-")
    has_sensor = not no_sensor
    if kind in ("fake", "sim"):
        drawer = (FakeCashDrawer if kind == "fake" else SimCashDrawer)(has_sensor=has_sensor)
        yield DrawerRig(drawer, has_sensor, lambda: drawer.pulses, drawer.close, lambda: False)
        return
    factory = MockFactory()
    solenoid = factory.pin(SOLENOID_GPIO, pin_class=SolenoidPin)
    gpio = GpioCashDrawer(
        SOLENOID_GPIO,
        SENSOR_GPIO if has_sensor else None,
        pin_factory=factory,
        sleep=lambda seconds: None,
    )
    if has_sensor:
        sensor = factory.pin(SENSOR_GPIO)
        solenoid.sensor = sensor
        sensor.drive_low()  # the drawer starts shut: its switch grounds the pin

    def pulses() -> int:
        states = [s.state for s in solenoid.states]
        return sum(1 for before, after in itertools.pairwise(states) if after and not before)

    yield DrawerRig(
        gpio,
        has_sensor,
        pulses,
        lambda: factory.pin(SENSOR_GPIO).drive_low(),
        lambda: bool(solenoid.state),
    )
    gpio.release()


# ---------------------------------------------------------------------------
# Printer


@dataclass
class PrinterRig:
    printer: Any
    set_state: Callable[[str], None]
    printed: Callable[[], bytes]


@pytest.fixture(params=["fake", "sim", "escpos"])
def printer_rig(request: pytest.FixtureRequest) -> PrinterRig:
    if request.param == "fake":
        fake = FakePrinter()
        return PrinterRig(fake, lambda state: setattr(fake, "state", state), lambda: fake.output)

    if request.param == "sim":
        sim = SimPrinter()

        def set_sim_state(state: str) -> None:
            sim.set_offline(state == "offline")
            sim.set_cover_open(state == "cover-open")
            sim.set_paper_out(state == "paper-out")

        return PrinterRig(sim, set_sim_state, lambda: bytes(sim.output))
    dummy = StatusDummy()
    return PrinterRig(EscposPrinter(dummy), dummy.set_state, lambda: dummy.output)


# ---------------------------------------------------------------------------
# Flash

GEOMETRIES = {
    "pages16": FlashGeometry(read_size=16, prog_size=16, block_size=256, block_count=8),
    "read1-prog4": FlashGeometry(read_size=1, prog_size=4, block_size=64, block_count=4),
}


@pytest.fixture(params=["ram", "file", "emulated", "partition"])
def flash_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=sorted(GEOMETRIES))
def geometry(request: pytest.FixtureRequest) -> FlashGeometry:
    return GEOMETRIES[request.param]


@pytest.fixture
def flash(flash_kind: str, geometry: FlashGeometry, tmp_path: Any) -> Iterator[Any]:
    if flash_kind == "ram":
        yield RamFlash(geometry)
        return
    if flash_kind == "emulated":
        yield EmulatedFlash(geometry)
        return
    if flash_kind == "partition":  # a partition between two blocks of a larger chip
        g = geometry
        chip = RamFlash(FlashGeometry(g.read_size, g.prog_size, g.block_size, g.block_count + 2))
        yield PartitionFlash(chip, 1, g.block_count)
        return
    # An erased image written directly: creating one (with its fsyncs) is
    # tested in test_hal_flash.py, and fsyncs would make this suite slow.
    path = tmp_path / "flash.img"
    path.write_bytes(b"\xff" * geometry.total_size)
    with FileFlash.open(path, geometry) as file_flash:
        yield file_flash


# ---------------------------------------------------------------------------
# Clock


@pytest.fixture(params=["system", "fake"])
def clock(request: pytest.FixtureRequest) -> Any:
    return SystemClock() if request.param == "system" else FakeClock()


# ---------------------------------------------------------------------------
# Serial link


@dataclass
class SerialRig:
    link: Any
    inject: Callable[[bytes], None]  # bytes arriving from the laptop
    sent: Callable[[int], bytes]  # what the laptop has received, waiting for n bytes


def read_until(read: Callable[[int], bytes], n: int, timeout_s: float = 2.0) -> bytes:
    """Poll ``read`` until ``n`` bytes came (a pty delivers asynchronously) or the deadline."""
    data = b""
    deadline = time.monotonic() + timeout_s
    while len(data) < n and time.monotonic() < deadline:
        chunk = read(n - len(data))
        if not chunk:
            time.sleep(0.001)
        data += chunk
    return data


@pytest.fixture(params=["fake", "pyserial-pty"])
def serial_rig(request: pytest.FixtureRequest) -> Iterator[SerialRig]:
    if request.param == "fake":
        link, laptop = FakeSerialLink.pair()
        yield SerialRig(link, laptop.write, lambda n: read_until(laptop.read, n))
        return
    # A pseudo-terminal pair: both ends real ttys, as with a USB CDC gadget.
    master, slave = os.openpty()
    os.set_blocking(master, False)

    def master_read(n: int) -> bytes:
        try:
            return os.read(master, n)
        except BlockingIOError:
            return b""

    link = PySerialLink(os.ttyname(slave))
    yield SerialRig(link, lambda data: os.write(master, data), lambda n: read_until(master_read, n))
    link.close()
    os.close(slave)
    os.close(master)
