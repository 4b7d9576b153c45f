"""make_board: each kind's parts, its options, its errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from hal.board import Board
from hal.clock.fake import FakeClock
from hal.clock.system import SystemClock
from hal.display.fake import FakeDisplay
from hal.display.hd44780 import Hd44780Display
from hal.display.sim import SimDisplay
from hal.drawer.fake import FakeCashDrawer
from hal.drawer.gpio import GpioCashDrawer
from hal.drawer.sim import SimCashDrawer
from hal.factory import make_board
from hal.flash.file import FileFlash
from hal.flash.ram import RamFlash
from hal.keypad.fake import FakeKeypad
from hal.keypad.matrix import MatrixKeypad
from hal.keypad.sim import SimKeypad
from hal.machine import MockI2C
from hal.ports import PRINTER_PAPER_OUT, FlashGeometry
from hal.printer.escpos import EscposPrinter
from hal.printer.fake import FakePrinter
from hal.printer.sim import SimPrinter
from hal.serial.fake import FakeSerialLink
from tests.hal.conftest import COL_GPIOS, KEYMAP, ROW_GPIOS

SMALL = FlashGeometry(read_size=16, prog_size=16, block_size=256, block_count=4)


def parts(board: Board) -> list[type]:
    return [type(p) for p in (board.keypad, board.display, board.drawer, board.printer)] + [
        type(board.flash),
        type(board.clock),
    ]


def test_fake_board_is_made_of_fakes_with_its_options() -> None:
    link, _ = FakeSerialLink.pair()
    board = make_board("fake", keys=["1", "ENTER"], printer_state=PRINTER_PAPER_OUT, serial=link)
    assert parts(board) == [
        FakeKeypad,
        FakeDisplay,
        FakeCashDrawer,
        FakePrinter,
        RamFlash,
        FakeClock,
    ]
    assert [board.keypad.read_key(), board.keypad.read_key()] == ["1", "ENTER"]
    assert board.printer.status() == PRINTER_PAPER_OUT
    assert board.serial is link


def test_sim_board_keeps_its_flash_in_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "sim"
    board = make_board("sim", data_dir=data, geometry=SMALL)
    assert parts(board) == [
        SimKeypad,
        SimDisplay,
        SimCashDrawer,
        SimPrinter,
        FileFlash,
        SystemClock,
    ]
    assert board.serial is None
    board.flash.program(1, 0, b"K" * 16)
    board.flash.sync()
    board.flash.close()
    again = make_board("sim", data_dir=data, geometry=SMALL)
    assert again.flash.read(1, 0, 16) == b"K" * 16
    again.flash.close()
    assert (data / "flash.img").stat().st_size == SMALL.total_size


def test_pi_board_wires_the_real_backends(tmp_path: Path) -> None:
    factory, bus = MockFactory(), MockI2C()
    board = make_board(
        "pi",
        printer_url="tcp:127.0.0.1:9100",
        flash_path=tmp_path / "fiscal.img",
        geometry=SMALL,
        keypad_rows=ROW_GPIOS,
        keypad_cols=COL_GPIOS,
        keymap=KEYMAP,
        drawer_pin=17,
        drawer_sensor_pin=27,
        pin_factory=factory,
        i2c=bus,
    )
    assert parts(board) == [
        MatrixKeypad,
        Hd44780Display,
        GpioCashDrawer,
        EscposPrinter,
        FileFlash,
        SystemClock,
    ]
    assert bus.writes  # the LCD was reset
    assert factory.pin(ROW_GPIOS[0]).function == "output"
    assert factory.pin(COL_GPIOS[0]).pull == "up"
    board.drawer.release()
    board.flash.close()


def test_pi_board_releases_what_it_claimed_when_a_part_fails(tmp_path: Path) -> None:
    factory = MockFactory()
    options = dict(
        printer_url="tcp:127.0.0.1:9100",
        flash_path=tmp_path / "fiscal.img",
        geometry=SMALL,
        keypad_rows=ROW_GPIOS,
        keypad_cols=COL_GPIOS,
        keymap=KEYMAP,
        drawer_pin=17,
        pin_factory=factory,
    )
    with pytest.raises(OSError):
        make_board("pi", i2c=MockI2C(addresses=()), **options)  # no LCD answers
    # Every GPIO was released: a second board can claim them all.
    board = make_board("pi", i2c=MockI2C(), **options)
    board.drawer.release()
    board.flash.close()


def test_unknown_kind_is_a_value_error_naming_the_kinds() -> None:
    with pytest.raises(ValueError, match=r"unknown board kind 'real'.*fake, sim, pi"):
        make_board("real")


def test_unknown_option_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"no option \['colour'\]"):
        make_board("fake", colour="red")


def test_sim_board_needs_a_data_dir() -> None:
    with pytest.raises(ValueError, match=r"needs the option\(s\) \['data_dir'\]"):
        make_board("sim")


def test_pi_board_names_what_it_needs() -> None:
    with pytest.raises(ValueError, match=r"drawer_pin.*printer_url"):
        make_board("pi")


def test_fake_and_sim_boards_do_not_import_hardware_libraries(tmp_path: Path) -> None:
    # In a fresh interpreter: this one has long imported them for other tests.
    code = (
        "import sys; from hal.factory import make_board; "
        f"make_board('fake'); make_board('sim', data_dir={str(tmp_path)!r}).flash.close(); "
        "print(sorted(m for m in ('gpiozero', 'escpos', 'serial') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
