"""The runner: the one module that drives both the board and the fiscal core.

Theory of operation. ``Terminal.boot`` mounts the journal, checks every
record with the core's Verifier while rebuilding the ledger state (numbers,
last signatures, perpetual totals) from the flash alone, and journals the
start-up (JET 80). A flash that cannot be mounted or that fails a check
raises BootError *before anything is written*.

Then each event goes through the pure ``step``; its effects are carried out
in the order given, which the state machine makes "commit, then print, then
drawer, then tell the cashier". A commit is sealed by the ledger, appended
and synced by the journal, and only then accepted by the ledger and
reported back as ``RecordCommitted``; a refusal at any point leaves both the
ledger and the flash as they were and comes back as ``CommitRefused``.
"""

from __future__ import annotations

from collections import deque

from firmware.config import TerminalConfig
from firmware.journal import CorruptFrameError, Journal, JournalError
from firmware.machine import MODE_LOGIN_ID, State, step
from firmware.messages import (
    Booted,
    CommitJet,
    CommitRefused,
    CommitTicket,
    Effect,
    Event,
    KeyPressed,
    OpenDrawer,
    PrintFailed,
    PrintTicket,
    RecordCommitted,
    Show,
)
from firmware.receipt import ticket_receipt
from firmware.version import SOFTWARE_NAME, SOFTWARE_VERSION
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.errors import FiscalError, FormatError, IntegrityError
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger, Sealed, Verifier
from fiscal_core.records import Record
from hal.board import Board
from hal.ports import PRINTER_READY, PrinterError


class BootError(Exception):
    """The terminal cannot start on this flash; nothing was written. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def recover(journal: Journal, config: TerminalConfig, signer: Ed25519Signer) -> Ledger:
    """Return the ledger rebuilt from ``journal``, every record checked on the way.

    Raises BootError when the identity does not match this terminal or any
    record fails a check (frame, format, numbering, chain, signature, totals).
    """
    try:
        identity = Identity.decode(journal.identity())
    except FormatError as exc:
        raise BootError("BAD_IDENTITY", f"identity file unreadable: {exc.message}") from None
    except JournalError as exc:
        raise BootError(exc.code, str(exc)) from None
    if identity.public_key != signer.public_key:
        raise BootError("KEY_MISMATCH", "the signing key is not the one this journal was made with")
    if identity.terminal_id != config.terminal_id:
        raise BootError(
            "TERMINAL_MISMATCH",
            f"journal of {identity.terminal_id!r}, configuration of {config.terminal_id!r}",
        )
    verifier = Verifier(identity.public_key, identity.terminal_id)
    try:
        for raw in journal.records():
            verifier.check(Record.decode(raw))
    except CorruptFrameError as exc:
        raise BootError("CORRUPT_JOURNAL", str(exc)) from None
    except JournalError as exc:
        raise BootError(exc.code, str(exc)) from None
    except IntegrityError as exc:
        raise BootError("INTEGRITY", str(exc)) from None
    return Ledger(identity.terminal_id, signer, verifier.state)


class Terminal:
    """A running terminal: one board, one configuration, one ledger, one journal."""

    def __init__(
        self, board: Board, config: TerminalConfig, ledger: Ledger, journal: Journal
    ) -> None:
        self.board = board
        self.config = config
        self.ledger = ledger
        self.journal = journal
        self.state = State(config=config, mode=MODE_LOGIN_ID)

    @classmethod
    def boot(cls, board: Board, config: TerminalConfig, signer: Ed25519Signer) -> Terminal:
        """Mount, check and recover the fiscal memory, journal the start-up, show the login."""
        try:
            journal = Journal.mount(board.flash)
        except JournalError as exc:
            raise BootError(exc.code, str(exc)) from None
        terminal = cls(board, config, recover(journal, config, signer), journal)
        started = terminal._commit_jet(
            CommitJet(0, codes.JET_START, f"demarrage {SOFTWARE_NAME} {SOFTWARE_VERSION}")
        )
        if isinstance(started, CommitRefused):
            raise BootError(started.code, f"cannot journal the start-up: {started.message}")
        terminal.dispatch(Booted())
        return terminal

    def press(self, key: str) -> None:
        self.dispatch(KeyPressed(key))

    def poll(self) -> int:
        """Handle every key waiting on the keypad; return how many there were."""
        count = 0
        while (key := self.board.keypad.read_key()) is not None:
            self.dispatch(KeyPressed(key))
            count += 1
        return count

    def dispatch(self, event: Event) -> None:
        """Step ``event`` and every event its effects produce, in order."""
        queue: deque[Event] = deque([event])
        while queue:
            self.state, effects = step(self.state, queue.popleft())
            for effect in effects:
                outcome = self._carry_out(effect)
                if outcome is not None:
                    queue.append(outcome)

    def _carry_out(self, effect: Effect) -> Event | None:
        if isinstance(effect, Show):
            self.board.display.show(effect.line1, effect.line2)
        elif isinstance(effect, CommitTicket | CommitJet):
            return self._commit(effect)
        elif isinstance(effect, PrintTicket):
            return self._print(effect.record)
        elif isinstance(effect, OpenDrawer):
            self.board.drawer.open()
        return None

    def _commit(self, effect: CommitTicket | CommitJet) -> Event:
        if isinstance(effect, CommitJet):
            return self._commit_jet(effect)
        clock = self.board.clock
        try:
            sealed = self.ledger.seal_ticket(
                time_utc=clock.now_utc(),
                utc_offset=clock.utc_offset_minutes(),
                operator_id=effect.operator_id,
                lines=list(effect.lines),
                payments=list(effect.payments),
            )
        except FiscalError as exc:
            return CommitRefused(exc.code, exc.message)
        return self._append(sealed)

    def _commit_jet(self, effect: CommitJet) -> Event:
        clock = self.board.clock
        try:
            sealed = self.ledger.seal_jet(
                time_utc=clock.now_utc(),
                utc_offset=clock.utc_offset_minutes(),
                operator_id=effect.operator_id,
                code=effect.code,
                text=effect.text,
            )
        except FiscalError as exc:
            return CommitRefused(exc.code, exc.message)
        return self._append(sealed)

    def _append(self, sealed: Sealed) -> Event:
        try:
            self.journal.append(sealed.encoded)
        except JournalError as exc:
            return CommitRefused(exc.code, str(exc))
        self.ledger.accept(sealed)
        return RecordCommitted(sealed.record)

    def _print(self, record: Record) -> Event | None:
        printer = self.board.printer
        status = printer.status()
        if status != PRINTER_READY:
            return PrintFailed(status)
        try:
            printer.print_bytes(ticket_receipt(record, self.config))
        except PrinterError as exc:
            return PrintFailed(exc.code)
        return None
