"""Choosing a board: ``make_board("fake" | "sim" | "pi", **options)``.

- "fake": in-memory fakes that record everything, for firmware tests;
- "sim": the desktop simulator's parts, flash kept in ``<data_dir>/flash.img``;
- "pi": the real terminal (GPIO keypad and drawer, I2C LCD, ESC/POS printer).

Hardware libraries are imported only by the real backends, when a "pi"
board is built, so "fake" and "sim" run on any machine.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from typing import Any

from hal.board import Board
from hal.clock.fake import FAKE_CLOCK_START_UTC, FakeClock
from hal.clock.system import SystemClock
from hal.display.fake import FakeDisplay
from hal.display.sim import SimDisplay
from hal.drawer.fake import FakeCashDrawer
from hal.drawer.sim import SimCashDrawer
from hal.flash.contract import SIM_FLASH_GEOMETRY
from hal.flash.file import FileFlash
from hal.flash.ram import RamFlash
from hal.keypad.fake import FakeKeypad
from hal.keypad.sim import SimKeypad
from hal.ports import PRINTER_READY, Clock, Flash, FlashGeometry, MonotonicCounter, SerialLink
from hal.printer.fake import FakePrinter
from hal.printer.sim import SimPrinter

SIM_FLASH_FILENAME = "flash.img"


def make_board(kind: str, **options: Any) -> Board:
    """Return a Board of ``kind`` built with ``options`` (those of fake_board, sim_board, pi_board).

    Raises ValueError for an unknown kind or option or a missing required
    option; ImportError naming the package when a real backend's library is missing.
    """
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ValueError(f"unknown board kind {kind!r}: expected one of {', '.join(_BUILDERS)}")
    params = inspect.signature(builder).parameters
    unknown = sorted(set(options) - set(params))
    if unknown:
        raise ValueError(f"board {kind!r} has no option {unknown}; its options: {sorted(params)}")
    missing = sorted(
        name
        for name, param in params.items()
        if param.default is inspect.Parameter.empty and name not in options
    )
    if missing:
        raise ValueError(f"board {kind!r} needs the option(s) {missing}")
    return builder(**options)


def fake_board(
    *,
    keys: Iterable[str] = (),
    geometry: FlashGeometry = SIM_FLASH_GEOMETRY,
    printer_state: str = PRINTER_READY,
    drawer_sensor: bool = True,
    now: float = FAKE_CLOCK_START_UTC,
    serial: SerialLink | None = None,
    flash: Flash | None = None,
    counter: MonotonicCounter | None = None,
) -> Board:
    """Return a board of fakes: scripted ``keys``, a FakeClock at ``now``.

    The flash is a blank RAM chip of ``geometry`` unless ``flash`` is given
    (a journal already written, a flash image file); no counter unless
    ``counter`` is given.
    """
    return Board(
        keypad=FakeKeypad(keys),
        display=FakeDisplay(),
        drawer=FakeCashDrawer(has_sensor=drawer_sensor),
        printer=FakePrinter(printer_state),
        flash=RamFlash(geometry) if flash is None else flash,
        clock=FakeClock(now),
        serial=serial,
        counter=counter,
    )


def sim_board(
    *,
    data_dir: str | os.PathLike[str],
    geometry: FlashGeometry = SIM_FLASH_GEOMETRY,
    serial_url: str | None = None,
    drawer_sensor: bool = True,
    clock: Clock | None = None,
) -> Board:
    """Return the simulator's board; its flash image is ``data_dir/flash.img`` (made if missing)."""
    os.makedirs(data_dir, exist_ok=True)
    flash = FileFlash.open(os.path.join(data_dir, SIM_FLASH_FILENAME), geometry, create=True)
    serial = None
    if serial_url is not None:
        from hal.serial.pyserial_link import PySerialLink

        serial = PySerialLink(serial_url)
    return Board(
        keypad=SimKeypad(),
        display=SimDisplay(),
        drawer=SimCashDrawer(has_sensor=drawer_sensor),
        printer=SimPrinter(),
        flash=flash,
        clock=clock if clock is not None else SystemClock(),
        serial=serial,
    )


def pi_board(
    *,
    printer_url: str,
    flash_path: str | os.PathLike[str],
    keypad_rows: Sequence[int],
    keypad_cols: Sequence[int],
    keymap: Sequence[Sequence[str]],
    drawer_pin: int,
    drawer_sensor_pin: int | None = None,
    display_address: int = 0x27,
    i2c_bus: int = 1,
    serial_url: str | None = None,
    geometry: FlashGeometry = SIM_FLASH_GEOMETRY,
    debounce_scans: int = 3,
    pin_factory: Any = None,
    i2c: Any = None,
) -> Board:
    """Return the real terminal's board: GPIO numbers are BCM, ``printer_url`` as EscposPrinter.

    ``pin_factory`` (a gpiozero factory) and ``i2c`` (a ``machine.I2C``-like
    bus) are for tests; by default gpiozero picks the factory and
    ``/dev/i2c-<i2c_bus>`` is opened. If one part fails, those already
    claimed are released before the error propagates.
    """
    from hal.display.hd44780 import Hd44780Display
    from hal.drawer.gpio import GpioCashDrawer
    from hal.keypad.matrix import MatrixKeypad
    from hal.machine import I2C, Pin
    from hal.printer.escpos import EscposPrinter

    with ExitStack() as undo:
        printer = EscposPrinter.from_url(printer_url)
        undo.callback(printer.close)
        flash = FileFlash.open(flash_path, geometry, create=True)
        undo.callback(flash.close)
        drawer = GpioCashDrawer(drawer_pin, drawer_sensor_pin, pin_factory=pin_factory)
        undo.callback(drawer.release)
        pins = [Pin(n, pin_factory=pin_factory) for n in (*keypad_rows, *keypad_cols)]
        for pin in pins:
            undo.callback(pin.close)
        rows, cols = pins[: len(keypad_rows)], pins[len(keypad_rows) :]
        keypad = MatrixKeypad(rows, cols, keymap, debounce_scans=debounce_scans)
        if i2c is None:
            i2c = I2C(i2c_bus)
            undo.callback(i2c.deinit)
        display = Hd44780Display(i2c, display_address)
        serial = None
        if serial_url is not None:
            from hal.serial.pyserial_link import PySerialLink

            serial = PySerialLink(serial_url)
        undo.pop_all()  # everything built: keep it all
    return Board(
        keypad=keypad,
        display=display,
        drawer=drawer,
        printer=printer,
        flash=flash,
        clock=SystemClock(),
        serial=serial,
    )


_BUILDERS: dict[str, Callable[..., Board]] = {"fake": fake_board, "sim": sim_board, "pi": pi_board}
