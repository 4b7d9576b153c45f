"""A simulated terminal: the data directory, a board of Sim backends, the booted firmware.

The headless runner and the Textual app both drive a ``Session``: ``press``
queues a key on the SimKeypad and lets the terminal handle it, on the
caller's thread; each job the SimPrinter prints is saved in the receipts
folder and returned by the ``press`` that printed it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from firmware.runner import BootError, Terminal
from hal.board import Board
from hal.clock.system import SystemClock
from hal.display.sim import SimDisplay
from hal.drawer.sim import SimCashDrawer
from hal.keypad.sim import SimKeypad
from hal.ports import Clock, SerialLink
from hal.printer.sim import SimPrinter
from hal.storage.directory import DirectoryStorage
from simulator.clock import ScriptClock
from simulator.datadir import DataDir, Opened
from simulator.receipts import ReceiptStore, SavedReceipt


@dataclass(frozen=True)
class SimParts:
    """The simulator's own backends, which the UI watches and drives."""

    keypad: SimKeypad
    display: SimDisplay
    drawer: SimCashDrawer
    printer: SimPrinter


class Session:
    """One running simulated terminal; build it with ``Session.start``, end it with ``close``."""

    def __init__(
        self,
        opened: Opened,
        terminal: Terminal,
        parts: SimParts,
        receipts: ReceiptStore,
    ) -> None:
        self._opened = opened
        self.terminal: Terminal | None = terminal
        self.terminal_clock = terminal.board.clock
        self.keypad = parts.keypad
        self.display = parts.display
        self.drawer = parts.drawer
        self.printer = parts.printer
        self.receipts = receipts
        self._jobs: list[bytes] = []
        self.printer.add_listener(self._jobs.append)

    @classmethod
    def start(
        cls,
        datadir: DataDir,
        clock: Clock | None = None,
        now: datetime | None = None,
        serial: SerialLink | None = None,
    ) -> Session:
        """Open (or make) the data directory and boot the terminal on it.

        ``now`` (local time, naive) starts a ScriptClock in the terminal's
        time zone instead of the system clock; ``serial`` is the inspection
        link the terminal serves (firmware/inspection.py). Raises DataDirError when the
        directory is unusable and BootError when the firmware refuses the
        flash; nothing is written then.
        """
        opened = datadir.open()
        if clock is None and now is not None:
            clock = ScriptClock(now, opened.config.timezone)
        parts = SimParts(SimKeypad(), SimDisplay(), SimCashDrawer(), SimPrinter())
        board = Board(
            keypad=parts.keypad,
            display=parts.display,
            drawer=parts.drawer,
            printer=parts.printer,
            flash=opened.flash,
            clock=clock or SystemClock(opened.config.timezone),
            serial=serial,
            counter=opened.counter,
            storage=DirectoryStorage(datadir.usb_path),
        )
        try:
            terminal = Terminal.boot(board, opened.config, opened.signer)
        except BootError:
            opened.close()
            raise
        receipts = ReceiptStore(datadir.receipts_path, opened.config.paper_columns)
        return cls(opened, terminal, parts, receipts)

    @property
    def terminal_id(self) -> str:
        return self._opened.config.terminal_id

    @property
    def created(self) -> bool:
        """Return True when this start made the data directory's key and image."""
        return self._opened.created

    def press(self, key: str) -> list[SavedReceipt]:
        """Press ``key``, let the terminal handle it; return the receipts it printed.

        Raises OSError when a receipt cannot be saved (the sale itself is
        already in the journal then).
        """
        self.keypad.press(key)
        return self.poll()

    def poll(self) -> list[SavedReceipt]:
        """Handle every key waiting on the keypad; return the receipts printed meanwhile."""
        if self.terminal is None:
            raise RuntimeError("the session is closed")
        self.terminal.poll()
        saved = []
        while self._jobs:
            saved.append(self.receipts.save(self._jobs[0]))
            del self._jobs[0]  # only once saved: a job that failed is kept for the next poll
        return saved

    def serve(self, seconds: float) -> None:
        """Keep the terminal polling (the inspection link) for ``seconds``, then return."""
        if self.terminal is None:
            raise RuntimeError("the session is closed")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.terminal.poll()
            inspection = self.terminal.inspection
            if inspection is None or not inspection.service.busy:
                time.sleep(0.002)

    def close(self) -> None:
        """Release the flash image (idempotent)."""
        self.terminal = None
        self._opened.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
