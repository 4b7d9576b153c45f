"""The witnessed board: what the world was told, against how far the flash had got.

A ``Witness`` notes, each time the outside world learns something (a screen
shown, a receipt printed, the drawer pulsed), how many flash operations had
been carried out and how many records the terminal had been told were
durable; ``watching_appends`` notes the operation count at which each
``Journal.append`` returned; the board's monotonic counter (a chip apart
from the flash, as a secure element is) notes the operation count at which
each of its advances returned. tests/powerloss/harness.py turns these into
what must survive a cut, and into the counter's value at the cut.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from firmware.journal import Journal
from hal.board import Board
from hal.clock.fake import FAKE_CLOCK_START_UTC, FakeClock
from hal.counter.fake import FakeCounter
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
    counter_start: int = 0  # the board's counter when the run began
    appends: list[int] = field(default_factory=list)  # op count when each append returned
    acks: list[Ack] = field(default_factory=list)
    counter_steps: list[tuple[int, int]] = field(default_factory=list)  # (op count, new value)

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


class WitnessedCounter(FakeCounter):
    """The board's monotonic counter; each advance is noted with the flash's op count."""

    def __init__(self, witness: Witness | None, value: int) -> None:
        super().__init__(value)
        self.witness = witness

    def advance_to(self, n: int) -> None:
        before = self.value()
        super().advance_to(n)
        if self.witness and n != before:
            self.witness.counter_steps.append((self.witness.flash.op_count, n))


def make_board(
    flash: Flash,
    witness: Witness | None = None,
    runs_out: bool = False,
    now: float = FAKE_CLOCK_START_UTC,
    counter: int | None = None,
) -> Board:
    """Return a fake board on ``flash``; its display, printer and drawer report to ``witness``.

    With ``counter``, the board has a monotonic counter at that value,
    whose advances report to ``witness`` too; without, none.
    """
    return Board(
        keypad=FakeKeypad([]),
        display=WitnessedDisplay(witness),
        drawer=WitnessedDrawer(witness),
        printer=WitnessedPrinter(witness, runs_out),
        flash=flash,
        clock=FakeClock(now),
        counter=None if counter is None else WitnessedCounter(witness, counter),
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
