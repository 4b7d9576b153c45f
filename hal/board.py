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
    RemovableStorage,
    SerialLink,
)


class Board:
    """One keypad, display, drawer, printer, flash and clock (serial, counter, storage optional)."""

    __slots__ = (
        "clock",
        "counter",
        "display",
        "drawer",
        "flash",
        "keypad",
        "printer",
        "serial",
        "storage",
    )

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
        storage: RemovableStorage | None = None,
    ) -> None:
        self.keypad = keypad
        self.display = display
        self.drawer = drawer
        self.printer = printer
        self.flash = flash
        self.clock = clock
        self.serial = serial
        self.counter = counter  # outside the journal: sees a journal cut short or replaced
        self.storage = storage  # removable medium for backups (a USB stick), if the board has one
