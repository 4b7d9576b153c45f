"""A Board bundles one backend per port: what the firmware runner drives."""

from __future__ import annotations

from hal.ports import (
    CashDrawer,
    Clock,
    Display,
    Flash,
    Keypad,
    MonotonicCounter,
    Printer,
    SerialLink,
)


class Board:
    """One keypad, display, drawer, printer, flash and clock (serial link, counter optional)."""

    __slots__ = ("clock", "counter", "display", "drawer", "flash", "keypad", "printer", "serial")

    def __init__(
        self,
        *,
        keypad: Keypad,
        display: Display,
        drawer: CashDrawer,
        printer: Printer,
        flash: Flash,
        clock: Clock,
        serial: SerialLink | None = None,
        counter: MonotonicCounter | None = None,
    ) -> None:
        self.keypad = keypad
        self.display = display
        self.drawer = drawer
        self.printer = printer
        self.flash = flash
        self.clock = clock
        self.serial = serial
        self.counter = counter  # outside the journal: sees a journal cut short or replaced
