"""The runner: where the pure state machine meets the board and the fiscal core.

Theory of operation. ``Terminal.boot`` mounts the journal, loads and checks
the signed checkpoint, verifies every record after it with the core's
Verifier while rebuilding the ledger state (numbers, last signatures,
perpetual totals) from the flash alone (firmware/recovery.py), and journals
the start-up (JET 80). A flash that cannot be mounted or whose records fail
a check raises BootError *before anything is written*; a refused checkpoint
only makes the boot verify the whole journal, and is journaled (JET 935).
Checkpoints are written after closures and archives, every
CHECKPOINT_EVERY records, and at the end of a boot unless the one it
started from is only a few records behind (firmware/checkpointing.py).

Then each event goes through the pure ``step``; its effects are carried out
in the order given, which the state machine makes "commit, then print, then
drawer, then tell the cashier". A commit is sealed by the ledger, appended
and synced by the journal, and only then accepted by the ledger and
reported back as ``RecordCommitted``; a refusal at any point leaves both the
ledger and the flash as they were and comes back as ``CommitRefused``.

Before each key the wall clock is compared with its course
(firmware/clock_hold.py, firmware/clock_watch.py); a step holds every
record, even the start-up's, until a manager confirms the time or the clock
is set right.

The Terminal owns its parts, each given the terminal: ``health`` (counter,
capacity, self-test), ``printing`` (the printer asked before recording, every
ticket accounted for), ``config_check`` (the configuration against the one
the JET acknowledged), ``clock_hold`` and ``inspection`` (the serial link).
Every record of theirs goes through ``commit_jet`` or ``journal_event``,
hence through the same checks as the cashier's.
"""

from __future__ import annotations

import contextlib
from collections import deque

from firmware import archiving, backups
from firmware.checkpointing import CHECKPOINT_EVERY, worth_writing_at_boot, write_checkpoint
from firmware.clock_hold import ClockHold
from firmware.config import TerminalConfig
from firmware.config_check import ConfigCheck
from firmware.health import Health
from firmware.inspection import Inspection
from firmware.journal import RESTORE_PATH, Journal, JournalError
from firmware.links import links_of
from firmware.lookup import find_documents
from firmware.machine import MODE_LOGIN_ID, State, step
from firmware.messages import (
    COMMITS,
    Booted,
    CommitArchive,
    CommitClockStep,
    CommitConfigChange,
    CommitDuplicate,
    CommitInvoice,
    CommitJet,
    CommitNote,
    CommitRefused,
    CommitReturn,
    CommitTicket,
    Effect,
    Event,
    Halted,
    KeyPressed,
    LoadRecord,
    MakeBackup,
    OpenDrawer,
    PrintPending,
    PrintRecord,
    PrintSlip,
    RecordCommitted,
    RecordLoaded,
    RestoreBackup,
    Show,
)
from firmware.printing import Printing
from firmware.recovery import BootError, Verified, recover, resume
from firmware.sealing import Commit, seal
from firmware.version import SOFTWARE_NAME, SOFTWARE_VERSION
from fiscal_core import codes
from fiscal_core.ed25519 import Ed25519Signer
from fiscal_core.errors import FiscalError, FormatError
from fiscal_core.ledger import Ledger, Sealed
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Record
from hal.board import Board
from hal.counter import CounterError

START_PREFIX = "demarrage "
SOFTWARE_ID = f"{SOFTWARE_NAME} {SOFTWARE_VERSION}"

__all__ = ["BootError", "Terminal", "recover"]

# Commits of documents that print: refused while the printer is not ready (6.7.3.4).
NEEDS_PRINTER = (CommitTicket, CommitReturn, CommitDuplicate, CommitInvoice)
# Commits refused when the fiscal memory keeps only its reserve (closures, JET, archives pass).
NEEDS_MEMORY = (CommitTicket, CommitReturn, CommitNote, CommitDuplicate, CommitInvoice)
# Records after which a checkpoint is written (the daily closure's comes after its self-test).
CHECKPOINT_AFTER = (codes.DOC_GT_MONTH, codes.DOC_GT_YEAR, codes.DOC_ARCHIVE)


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
        self.printing = Printing(self)
        self.config_check = ConfigCheck(self)
        self.inspection = Inspection(self) if board.serial is not None else None
        self.alarm = ""  # an integrity problem found while running: the terminal halts
        self.health = Health(self)
        self.clock_hold = ClockHold(self)
        self.started = False  # the start-up is journaled (JET 80)
        self.checkpoint_seq = 0  # the last record covered by a checkpoint written while running
        self.verified: Verified | None = None  # what the boot verified, for its start-up

    @classmethod
    def boot(cls, board: Board, config: TerminalConfig, signer: Ed25519Signer) -> Terminal:
        """Mount, check and recover the fiscal memory, journal the start-up, show the login."""
        try:
            journal = Journal.mount(board.flash)
        except JournalError as exc:
            raise BootError(exc.code, str(exc)) from None
        if journal.read_file(RESTORE_PATH) is not None:  # firmware/restore.py: run it again
            raise BootError("RESTORE_UNFINISHED", "a restore was interrupted: run it again")
        ledger, verified = resume(journal, config, signer)
        terminal = cls(board, config, ledger, journal)
        terminal.checkpoint_seq = verified.checkpoint_seq
        terminal.verified = verified
        held = terminal.clock_hold.at_boot()
        # A clock step: nothing is written before the time is confirmed or set right.
        terminal.dispatch(held if held is not None else terminal.start_up())
        return terminal

    def start_up(self) -> Event:
        """Journal the start-up (JET 80) and what it finds; return the Booted event to show.

        Runs once the clock is trusted: at boot, or after a clock step held
        the start-up (confirmed by a manager, or the clock set right).
        Raises BootError when the start-up cannot be journaled.
        """
        self.started = True
        problem = self.health.counter_problem()
        previous = self.ledger.state.last_start.removeprefix(START_PREFIX)
        started = self._commit(CommitJet(0, codes.JET_START, START_PREFIX + SOFTWARE_ID))
        if isinstance(started, CommitRefused):
            raise BootError(started.code, f"cannot journal the start-up: {started.message}")
        torn = self.journal.torn
        if torn is not None:  # a power cut during an append: never a record, but journaled
            self.journal_event(codes.JET_TORN_FRAME, torn.describe())
            self.journal.torn_noted()
        if previous and previous != SOFTWARE_ID:  # 5.4.10.4: version changes are traced
            self.journal_event(
                codes.JET_VERSION_CHANGE, f"changement de version: {previous} -> {SOFTWARE_ID}"
            )
        verified, self.verified = self.verified, None
        if verified is not None:  # the journal verified: note a refused checkpoint
            self.health.note_refused_checkpoint(verified.finding)
        if problem and not self.ledger.state.integrity_alarm:
            self.journal_event(codes.JET_INTEGRITY_ERROR, problem)
        if self.ledger.state.integrity_alarm:
            return Booted(halted=problem or "alarme non levee")
        self.config_check.at_start_up()
        unprinted = self.printing.reconcile()
        self.health.check_capacity()
        checked = verified.describe() if verified is not None else ""  # "": verify the tail
        self.health.self_test("demarrage", checked=checked)
        started_from = verified.checkpoint_seq if verified is not None else 0
        if worth_writing_at_boot(started_from, self.checkpoint_seq, self.ledger.state.seq):
            self.write_checkpoint()
        state = self.ledger.state
        return Booted(
            period_open=state.period_open,
            training=state.training,
            config_pending=bool(self.config_check.changes),
            unprinted=unprinted,
            archive_due=state.archive_due,
            memory_percent=self.health.memory_percent,
        )

    def watch_clock(self) -> bool:
        """Between two keys: look at the clock (firmware/clock_hold.py); True: screen told."""
        return self.clock_hold.check()

    def press(self, key: str) -> None:
        """Handle one key, after a look at the clock.

        A key that reveals a clock step (or its end) only changes the screen:
        it was meant for the screen before, which the cashier no longer sees.
        """
        if self.watch_clock():
            return
        self.dispatch(KeyPressed(key))

    def poll(self) -> int:
        """Handle every key waiting on the keypad, then one step of the link; return the keys.

        Keys first: a sale never waits for an inspection.
        """
        count = 0
        while (key := self.board.keypad.read_key()) is not None:
            self.press(key)
            count += 1
        if self.inspection is not None:
            self.watch_clock()  # nothing of the link is journaled at a time not confirmed
            self.inspection.poll()
        return count

    def journal_event(self, code: int, text: str) -> bool:
        """Journal a JET line on the terminal's own account; return False if refused."""
        return not isinstance(self._commit(CommitJet(0, code, text)), CommitRefused)

    def commit_jet(self, effect: CommitJet) -> Event:
        """Journal a JET line for an operator; return RecordCommitted or CommitRefused."""
        return self._commit(effect)

    def counter_value(self) -> int:
        """Return the monotonic counter's value (0 on a board without one)."""
        counter = self.board.counter
        try:
            return counter.value() if counter is not None else 0
        except CounterError:
            return 0

    def dispatch(self, event: Event) -> None:
        """Step ``event`` and every event its effects produce, in order."""
        queue: deque[Event] = deque([event])
        while queue:
            self.state, effects = step(self.state, queue.popleft())
            for effect in effects:
                outcome = self._carry_out(effect)
                if outcome is not None:
                    queue.append(outcome)
            if self.alarm:
                queue.append(Halted(self.alarm))
                self.alarm = ""

    def find(self, doc_type: int, number: int) -> Record | None:
        """Return document ``number`` of ``doc_type`` (0 = the last one) from the journal."""
        number = number or self.ledger.state.head(doc_type).number
        return self.find_all(doc_type, {number}).get(number)

    def find_all(self, doc_type: int, numbers: set[int]) -> dict[int, Record]:
        """Return the documents of ``doc_type`` with these numbers (firmware/lookup.py)."""
        return find_documents(self.journal, self.ledger.state, doc_type, numbers)

    def links_of(self, original: Record) -> DocumentLinks:
        """What the journal holds after ``original``: its reprints, invoice, returns."""
        return links_of(self.journal, original)

    def write_checkpoint(self, *, measure: bool = False) -> None:
        """Sign and store the state at the journal's end (``measure``: storage walked first).

        A failure keeps the previous checkpoint: the next boot then verifies
        a longer tail, nothing else.
        """
        with contextlib.suppress(JournalError):
            write_checkpoint(self.journal, self.ledger, measure=measure)
            self.checkpoint_seq = self.ledger.state.seq

    def _carry_out(self, effect: Effect) -> Event | None:
        if isinstance(effect, Show):
            self.board.display.show(effect.line1, effect.line2)
        elif isinstance(effect, COMMITS):
            outcome = self._commit(effect)
            daily = isinstance(effect, CommitJet) and effect.code == codes.JET_PERIOD_CLOSURE
            if daily and isinstance(outcome, RecordCommitted):
                self.health.self_test("cloture journaliere")  # the daily self-test, after the Z
                self.write_checkpoint(measure=True)  # off the sale path: littlefs may walk
            return outcome
        elif isinstance(effect, LoadRecord):
            try:
                found = self.find(effect.doc_type, effect.number)
            except (JournalError, FormatError) as exc:  # a record on the way does not hold
                return self._damaged(exc)
            return RecordLoaded(found) if found else CommitRefused("NOT_FOUND", "not found")
        elif isinstance(effect, PrintRecord):
            return self.printing.print_record(effect)
        elif isinstance(effect, PrintSlip):
            return self.printing.print_slip(effect)
        elif isinstance(effect, CommitArchive):
            return archiving.make_archive(self, effect)
        elif isinstance(effect, CommitClockStep):
            return self.clock_hold.confirm(effect)
        elif isinstance(effect, CommitConfigChange):
            return self.config_check.commit_changes(effect.reason, effect.operator_id)
        elif isinstance(effect, PrintPending):
            return self.printing.print_pending(effect.operator_id)
        elif isinstance(effect, MakeBackup):
            return backups.make_backup(self, effect.operator_id)
        elif isinstance(effect, RestoreBackup):
            return backups.restore_backup(self, effect.operator_id, effect.record_count)
        elif isinstance(effect, OpenDrawer):
            self.board.drawer.open()
        return None

    def _commit(self, effect: Commit) -> Event:
        if isinstance(effect, NEEDS_MEMORY) and self.health.memory_full:
            return CommitRefused("MEMORY_FULL", "fiscal memory full: only closures and archives")
        if isinstance(effect, NEEDS_PRINTER) and not self.printing.ready():
            return CommitRefused("PRINTER_NOT_READY", "printer not ready: nothing recorded")
        if self.clock_hold.held:  # nothing is stamped at a time not confirmed
            return CommitRefused("CLOCK_STEP", "the clock stepped: a manager must confirm the time")
        clock = self.board.clock
        try:
            now, offset = clock.now_utc(), clock.utc_offset_minutes()
            sealed = seal(self.ledger, effect, now, offset, self.links_of)
        except FiscalError as exc:
            if exc.code == "CLOCK_BEHIND":
                self.alarm = "horloge en retard"
            return CommitRefused(exc.code, exc.message)
        except (JournalError, FormatError) as exc:  # a record after the one named does not hold
            return self._damaged(exc)
        return self.store(sealed)

    def _damaged(self, exc: JournalError | FormatError) -> Event:
        """Refuse what needed a record that does not read back, and raise the alarm."""
        self.health.damaged_record(str(exc))
        code = exc.code if isinstance(exc, JournalError) else "UNREADABLE"
        return CommitRefused(code, str(exc))

    def store(self, sealed: Sealed) -> Event:
        """Append a sealed record durably, then let the ledger count it.

        Every commit ends here; the archive's record (firmware/archiving.py),
        sealed by the ledger from its file, comes here directly.
        """
        try:
            self.journal.append(sealed.encoded)
        except JournalError as exc:
            return CommitRefused(exc.code, str(exc))
        self.ledger.accept(sealed)
        self.health.after_store(sealed.record.seq)
        record = sealed.record
        if (
            record.doc_type in CHECKPOINT_AFTER
            or record.seq - self.checkpoint_seq >= CHECKPOINT_EVERY
        ):
            self.write_checkpoint()
        return RecordCommitted(record)
