"""The witnessed board: what the world was told, against how far the flash had got.

A ``Witness`` notes, each time the outside world learns something (a screen
shown, a receipt printed, the drawer pulsed), how many flash operations had
been carried out and how many records the terminal had been told were
durable; ``watching_appends`` notes the operation count at which each
``Journal.append`` returned. tests/powerloss/harness.py turns both into
what must survive a cut.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from firmware.journal import Journal
from hal.board import Board
from hal.clock.fake import FAKE_CLOCK_START_UTC, FakeClock
from hal.display.fake import FakeDisplay
from hal.drawer.fake import FakeCashDrawer
from hal.flash.emulated import EmulatedFlash
from hal.keypad.fake import FakeKeypad
from hal.ports import PRINTER_PAPER_OUT, Flash
from hal.printer.fake import FakePrinter

PRINTED = "printed job"


@dataclass(frozen=True)
class Ack:
    """Something the outside world saw, after ``ops`` flash operations, ``durable`` records."""

    ops: int
    durable: int
    what: str


@dataclass
class Witness:
    """What the terminal told the world during the recorded run, against the flash's progress."""

    flash: EmulatedFlash
    base_records: int
    appends: list[int] = field(default_factory=list)  # op count when each append returned
    acks: list[Ack] = field(default_factory=list)

    def durable(self) -> int:
        return self.base_records + len(self.appends)

    def saw(self, what: str) -> None:
        self.acks.append(Ack(self.flash.op_count, self.durable(), what))


class WitnessedDisplay(FakeDisplay):
    def __init__(self, witness: Witness | None) -> None:
        super().__init__()
        self.witness = witness

    def show(self, line1: str, line2: str = "") -> None:
        super().show(line1, line2)
        if self.witness:
            self.witness.saw(f"display {self.text[0]!r} {self.text[1]!r}")


class WitnessedPrinter(FakePrinter):
    """A printer; with ``runs_out`` it answers ready, then the paper ends during the first job."""

    def __init__(self, witness: Witness | None, runs_out: bool = False) -> None:
        super().__init__()
        self.witness = witness
        self.runs_out = runs_out

    def print_bytes(self, data: bytes) -> None:
        if self.runs_out:
            self.state = PRINTER_PAPER_OUT
        super().print_bytes(data)
        if self.witness:
            self.witness.saw(f"{PRINTED} {len(self.jobs)}")


class WitnessedDrawer(FakeCashDrawer):
    def __init__(self, witness: Witness | None) -> None:
        super().__init__()
        self.witness = witness

    def open(self) -> None:
        super().open()
        if self.witness:
            self.witness.saw(f"drawer pulse {self.pulses}")


def make_board(
    flash: Flash,
    witness: Witness | None = None,
    runs_out: bool = False,
    now: float = FAKE_CLOCK_START_UTC,
) -> Board:
    """Return a fake board on ``flash``; its display, printer and drawer report to ``witness``."""
    return Board(
        keypad=FakeKeypad([]),
        display=WitnessedDisplay(witness),
        drawer=WitnessedDrawer(witness),
        printer=WitnessedPrinter(witness, runs_out),
        flash=flash,
        clock=FakeClock(now),
    )


def journal_records(flash: Flash) -> list[bytes]:
    """Return the raw records of the journal on ``flash`` (read only)."""
    return list(Journal.mount(flash).records())


@contextlib.contextmanager
def watching_appends(witness: Witness) -> Iterator[None]:
    """Note the flash's op count each time ``Journal.append`` returns (the record is durable)."""
    original = Journal.append

    def append(journal: Journal, record: bytes) -> None:
        original(journal, record)
        witness.appends.append(witness.flash.op_count)

    Journal.append = append  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        Journal.append = original  # type: ignore[method-assign]
