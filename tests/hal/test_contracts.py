"""The contract of every port in hal.ports, run against every backend that can run here.

Backends are built by the rigs in conftest.py; a new backend joins a suite
by joining its rig's parameters.
"""

from __future__ import annotations

from typing import Any

import pytest

from hal.ports import (
    DISPLAY_COLUMNS,
    ERASED_BYTE,
    PRINTER_READY,
    PRINTER_STATES,
    CashDrawer,
    Clock,
    Display,
    Flash,
    FlashContractError,
    FlashGeometry,
    Keypad,
    Printer,
    PrinterError,
    SerialLink,
)
from tests.hal.conftest import DisplayRig, DrawerRig, PrinterRig, SerialRig

# ---------------------------------------------------------------------------
# Keypad


def poll_all(keypad: Keypad, polls: int = 300) -> list[str]:
    """Poll like the runner does and return every key read, in order."""
    return [key for key in (keypad.read_key() for _ in range(polls)) if key is not None]


def test_keypad_is_a_keypad(make_keypad: Any) -> None:
    assert isinstance(make_keypad([]), Keypad)


def test_keypad_returns_each_press_once_in_order(make_keypad: Any) -> None:
    keys = ["1", "2", "2", "CLEAR", "00", "ENTER"]
    assert poll_all(make_keypad(keys)) == keys


def test_keypad_returns_none_when_nothing_is_pressed(make_keypad: Any) -> None:
    keypad = make_keypad([])
    assert [keypad.read_key() for _ in range(20)] == [None] * 20


def test_keypad_returns_none_once_presses_are_read(make_keypad: Any) -> None:
    keypad = make_keypad(["5"])
    assert poll_all(keypad) == ["5"]
    assert keypad.read_key() is None


# ---------------------------------------------------------------------------
# Display


def test_display_is_a_display(display_rig: DisplayRig) -> None:
    assert isinstance(display_rig.display, Display)


def test_display_pads_short_lines_and_defaults_line2_to_blank(display_rig: DisplayRig) -> None:
    display_rig.display.show("X")
    assert display_rig.visible() == ("X".ljust(DISPLAY_COLUMNS), " " * DISPLAY_COLUMNS)


def test_display_cuts_long_lines(display_rig: DisplayRig) -> None:
    display_rig.display.show("A" * 19 + "BCDEF", "0123456789" * 3)
    assert display_rig.visible() == ("A" * 19 + "B", "01234567890123456789")


def test_display_shows_the_last_screen(display_rig: DisplayRig) -> None:
    display_rig.display.show("ARTICLE 1", "2,50")
    display_rig.display.show("X", "12,50")
    assert display_rig.visible() == ("X".ljust(20), "12,50".ljust(20))


@pytest.mark.parametrize(
    "text",
    [
        "Crème brûlée 4,50€",
        "Œuf à la coque « bio »",
        "tab\there\nnew",
        "emoji 🧾 中文 \x00\x1b\x7f",
    ],
)
def test_display_replaces_what_it_cannot_show_and_never_raises(
    display_rig: DisplayRig, text: str
) -> None:
    display_rig.display.show(text, text)
    for line in display_rig.visible():
        assert len(line) == DISPLAY_COLUMNS
    # What is visible is exactly the text through the display's character set.
    expected = "".join(display_rig.charset(ch) for ch in text)[:DISPLAY_COLUMNS]
    assert display_rig.visible()[0] == expected.ljust(DISPLAY_COLUMNS)


# ---------------------------------------------------------------------------
# Cash drawer


def test_drawer_is_a_cash_drawer(drawer_rig: DrawerRig) -> None:
    assert isinstance(drawer_rig.drawer, CashDrawer)


def test_drawer_open_pulses_once_and_leaves_solenoid_off(drawer_rig: DrawerRig) -> None:
    for expected in (1, 2, 3):
        drawer_rig.drawer.open()
        assert drawer_rig.pulses() == expected
        assert not drawer_rig.energised()


def test_drawer_sensor_follows_the_drawer(drawer_rig: DrawerRig) -> None:
    if not drawer_rig.has_sensor:
        # No sensor: None, whatever happens.
        assert drawer_rig.drawer.is_open() is None
        drawer_rig.drawer.open()
        assert drawer_rig.drawer.is_open() is None
        return
    assert drawer_rig.drawer.is_open() is False
    drawer_rig.drawer.open()
    assert drawer_rig.drawer.is_open() is True
    drawer_rig.shut()
    assert drawer_rig.drawer.is_open() is False


# ---------------------------------------------------------------------------
# Printer

FAULTS = [state for state in PRINTER_STATES if state != PRINTER_READY]
RECEIPT = b"\x1b@TICKET 0001\n\xc9l\xe9ment\n\x1dV\x00"


def test_printer_is_a_printer(printer_rig: PrinterRig) -> None:
    assert isinstance(printer_rig.printer, Printer)


def test_printer_ready_prints_jobs_in_order(printer_rig: PrinterRig) -> None:
    assert printer_rig.printer.status() == PRINTER_READY
    printer_rig.printer.print_bytes(RECEIPT)
    printer_rig.printer.print_bytes(b"SECOND\n")
    assert printer_rig.printed() == RECEIPT + b"SECOND\n"


@pytest.mark.parametrize("fault", FAULTS)
def test_printer_reports_fault_and_refuses_jobs(printer_rig: PrinterRig, fault: str) -> None:
    printer_rig.set_state(fault)
    assert printer_rig.printer.status() == fault
    with pytest.raises(PrinterError) as caught:
        printer_rig.printer.print_bytes(RECEIPT)
    assert caught.value.code == fault
    assert printer_rig.printed() == b""


@pytest.mark.parametrize("fault", FAULTS)
def test_printer_prints_again_once_the_fault_is_cleared(
    printer_rig: PrinterRig, fault: str
) -> None:
    printer_rig.set_state(fault)
    printer_rig.set_state(PRINTER_READY)
    assert printer_rig.printer.status() == PRINTER_READY
    printer_rig.printer.print_bytes(RECEIPT)
    assert printer_rig.printed() == RECEIPT


# ---------------------------------------------------------------------------
# Flash


def test_flash_is_a_flash(flash: Any) -> None:
    assert isinstance(flash, Flash)


def whole_chip(flash: Any) -> bytes:
    g: FlashGeometry = flash.geometry
    return b"".join(flash.read(b, 0, g.block_size) for b in range(g.block_count))


def test_flash_starts_erased(flash: Any) -> None:
    assert whole_chip(flash) == bytes([ERASED_BYTE]) * flash.geometry.total_size


def test_flash_program_then_read_back(flash: Any) -> None:
    g: FlashGeometry = flash.geometry
    data = bytes(range(1, 2 * g.prog_size + 1))
    flash.program(1, g.prog_size, data)
    flash.sync()
    assert flash.read(1, g.prog_size, len(data)) == data
    assert flash.read(1, 0, g.prog_size) == b"\xff" * g.prog_size


def test_flash_program_over_unerased_bytes_raises_and_changes_nothing(flash: Any) -> None:
    g: FlashGeometry = flash.geometry
    flash.program(0, g.prog_size, b"\x00" * g.prog_size)
    before = whole_chip(flash)
    # The range starts erased but its last page is programmed.
    with pytest.raises(FlashContractError):
        flash.program(0, 0, b"\x55" * (2 * g.prog_size))
    assert whole_chip(flash) == before


@pytest.mark.parametrize(
    "call",
    [
        "read_misaligned_offset",
        "read_misaligned_size",
        "program_misaligned_offset",
        "program_misaligned_size",
        "read_across_block_end",
        "program_across_block_end",
        "negative_offset",
    ],
)
def test_flash_rejects_misaligned_or_out_of_block_access(flash: Any, call: str) -> None:
    g: FlashGeometry = flash.geometry
    p, r, bs = g.prog_size, g.read_size, g.block_size
    calls = {
        "read_misaligned_offset": lambda: flash.read(0, r + 1 if r > 1 else bs, r),
        "read_misaligned_size": lambda: flash.read(0, 0, r + 1 if r > 1 else bs + 1),
        "program_misaligned_offset": lambda: flash.program(0, 1, b"\x00" * p),
        "program_misaligned_size": lambda: flash.program(0, 0, b"\x00" * (p + 1)),
        "read_across_block_end": lambda: flash.read(0, bs - r, 2 * r),
        "program_across_block_end": lambda: flash.program(0, bs - p, b"\x00" * (2 * p)),
        "negative_offset": lambda: flash.read(0, -r, r),
    }
    before = whole_chip(flash)
    with pytest.raises(FlashContractError):
        calls[call]()
    assert whole_chip(flash) == before
    assert flash.op_count == 0


def test_flash_read_blocks_is_the_blocks_read_one_by_one_end_to_end(flash: Any) -> None:
    g: FlashGeometry = flash.geometry
    for block in range(g.block_count):
        flash.program(block, g.prog_size, bytes([block + 1]) * g.prog_size)
    flash.sync()
    assert flash.read_blocks(0, g.block_count) == whole_chip(flash)
    assert flash.read_blocks(1, 2) == flash.read(1, 0, g.block_size) + flash.read(
        2, 0, g.block_size
    )
    assert flash.read_blocks(g.block_count - 1, 1)[g.prog_size] == g.block_count
    assert flash.read_blocks(1, 0) == b""


@pytest.mark.parametrize("first, count", [(-1, 1), (0, -1), ("last", 2), ("count", 1)])
def test_flash_read_blocks_refuses_blocks_outside_the_chip(
    flash: Any, first: int | str, count: int
) -> None:
    g: FlashGeometry = flash.geometry
    start = {"last": g.block_count - 1, "count": g.block_count}.get(str(first), first)
    with pytest.raises(FlashContractError):
        flash.read_blocks(start, count)
    assert flash.op_count == 0


@pytest.mark.parametrize("block", [-1, "count"])
def test_flash_rejects_block_out_of_range(flash: Any, block: int | str) -> None:
    g: FlashGeometry = flash.geometry
    index = g.block_count if block == "count" else int(block)
    with pytest.raises(FlashContractError):
        flash.read(index, 0, g.read_size)
    with pytest.raises(FlashContractError):
        flash.program(index, 0, b"\x00" * g.prog_size)
    with pytest.raises(FlashContractError):
        flash.erase(index)
    assert flash.op_count == 0


def test_flash_erase_sets_the_block_to_ff_and_only_that_block(flash: Any) -> None:
    g: FlashGeometry = flash.geometry
    page = b"\x00" * g.prog_size
    flash.program(0, 0, page)
    flash.program(1, 0, page)
    flash.erase(0)
    assert flash.read(0, 0, g.block_size) == b"\xff" * g.block_size
    assert flash.read(1, 0, g.prog_size) == page
    flash.program(0, 0, b"\x42" * g.prog_size)  # programmable again
    assert flash.read(0, 0, g.prog_size) == b"\x42" * g.prog_size


def test_flash_op_count_counts_programs_and_erases_only(flash: Any) -> None:
    g: FlashGeometry = flash.geometry
    flash.program(0, 0, b"\x01" * g.prog_size)
    flash.erase(0)
    flash.read(0, 0, g.read_size)
    flash.sync()
    with pytest.raises(FlashContractError):
        flash.program(0, 1, b"\x01" * g.prog_size)
    assert flash.op_count == 2


# ---------------------------------------------------------------------------
# Clock


def test_clock_is_a_clock(clock: Any) -> None:
    assert isinstance(clock, Clock)


def test_clock_answers_in_the_right_types_and_ranges(clock: Any) -> None:
    now = clock.now_utc()
    assert type(now) is int and now > 1_600_000_000  # after 2020
    offset = clock.utc_offset_minutes()
    assert type(offset) is int and -12 * 60 <= offset <= 14 * 60
    assert type(clock.monotonic_ms()) is int


def test_clock_monotonic_never_goes_back(clock: Any) -> None:
    readings = [clock.monotonic_ms() for _ in range(1000)]
    assert readings == sorted(readings)


# ---------------------------------------------------------------------------
# Serial link


def test_serial_is_a_serial_link(serial_rig: SerialRig) -> None:
    assert isinstance(serial_rig.link, SerialLink)


def test_serial_read_returns_empty_when_nothing_arrived(serial_rig: SerialRig) -> None:
    assert serial_rig.link.read(64) == b""


def test_serial_read_returns_at_most_max_bytes_in_order(serial_rig: SerialRig) -> None:
    from tests.hal.conftest import read_until

    serial_rig.inject(b"HELLO WORLD")
    first = read_until(serial_rig.link.read, 5)
    assert first == b"HELLO"
    assert read_until(serial_rig.link.read, 6) == b" WORLD"
    assert serial_rig.link.read(64) == b""


def test_serial_write_sends_every_byte_value_unchanged(serial_rig: SerialRig) -> None:
    data = bytes(range(256)) * 4  # \r, \n, XON/XOFF, ^C: a raw link translates none
    serial_rig.link.write(data)
    assert serial_rig.sent(len(data)) == data


def test_serial_close_is_idempotent(serial_rig: SerialRig) -> None:
    serial_rig.link.close()
    serial_rig.link.close()
