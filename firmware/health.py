"""The terminal's health: monotonic counter, capacity and self-test.

Each check journals what it finds (JET 90, 920, 930) through the
terminal, and an integrity problem found while running sets the terminal's
``alarm``, which halts it. Owned by the runner's Terminal (``health``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.journal import JournalError
from firmware.recovery import BootError, check_identity, verify_journal
from fiscal_core import codes
from fiscal_core.errors import FormatError
from fiscal_core.identity import Identity
from hal.counter import CounterError

if TYPE_CHECKING:
    from firmware.runner import Terminal

MEMORY_WARNING_PERCENT = 90
EXACT_FROM_PERCENT = 80  # from here on, storage use is measured exactly
RESERVE_BLOCKS = 8  # kept free for closures, JET lines and archives: sales stop before
CAPACITY_CHECK_EVERY = 64  # records between two looks at the fiscal memory's use (kept known)


class Health:
    """The checks of one running terminal and what they found."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.counter_frozen = False  # never advance the counter past a mismatch: it is evidence
        self.memory_percent = 0
        self.memory_full = False  # less than RESERVE_BLOCKS free: new documents are refused
        self.memory_warned = False
        self.since_capacity_check = 0

    def after_store(self, seq: int) -> None:
        """Advance the counter past record ``seq``; measure the memory now and then."""
        self.advance_counter(seq)
        self.since_capacity_check += 1
        if self.since_capacity_check >= CAPACITY_CHECK_EVERY:
            self.check_capacity()

    def counter_problem(self) -> str:
        """Compare the journal's length with the monotonic counter; return what is wrong.

        The counter is advanced after each append, so after a power cut the
        journal may be one record ahead (then the counter catches up); any
        other difference means records were removed from the end, or the
        journal (or the counter) was replaced. The counter is then frozen:
        it is the evidence, kept for the technician and the inspector.
        """
        counter = self.terminal.board.counter
        if counter is None:
            return ""
        if (
            self.terminal.ledger.state.integrity_alarm
        ):  # already journaled: keep the evidence as it is
            self.counter_frozen = True
            return ""
        seq = self.terminal.ledger.state.seq + self.terminal.ledger.state.counter_base
        try:
            value = counter.value()
            if seq == value + 1:  # the power failed between an append and the counter
                counter.advance_to(seq)
                value = seq
        except CounterError as exc:
            self.counter_frozen = True
            return f"compteur illisible ({exc.code})"
        if seq == value:
            return ""
        self.counter_frozen = True
        if seq < value:
            return f"journal raccourci: {seq} enregistrements, compteur {value}"
        return f"compteur en retard: {value}, journal {seq} enregistrements"

    def self_test(self, when: str, *, checked: str = "") -> bool:
        """Check journal, key, counter, clock and printer; journal the result (JET 930).

        ``checked``: what the boot's recovery just verified (its description);
        otherwise (the daily self-test, run after the Z) the checkpoint and
        the records after it are verified again, not the whole journal. A
        journal that no longer verifies is an integrity alarm (JET 90); a
        refused checkpoint is journaled (JET 935) and the whole journal
        verified instead. Returns True when everything is in order.
        """
        problems: list[str] = []
        terminal = self.terminal
        at_boot = bool(checked)
        if not checked:
            checked, problem = self._verify_journal()
            if problem:
                problems.append(problem)
        seq = terminal.ledger.state.seq
        try:
            key = Identity.decode(terminal.journal.identity()).public_key
        except (JournalError, FormatError):  # unreadable: it is a problem found, not a crash
            key = b""
        if terminal.ledger.signer.public_key != key:
            problems.append("cle de signature absente ou differente")
        counter = terminal.board.counter
        expected = seq + terminal.ledger.state.counter_base
        if counter is not None and not self.counter_frozen and counter.value() != expected:
            problems.append(f"compteur {counter.value()} au lieu de {expected}")
        if terminal.board.clock.now_utc() < terminal.ledger.state.last_time:
            problems.append("horloge en retard")
        printer = terminal.board.printer.status()
        verdict = "; ".join(problems) if problems else "ok"
        text = f"autotest {when}: {seq} enregistrements, {checked}, imprimante {printer}: {verdict}"
        if len(text) > 200:  # the verdict is what matters: shorten what was checked
            text = f"autotest {when}: {seq} enregistrements, imprimante {printer}: {verdict}"
        terminal.journal_event(codes.JET_SELF_TEST, text[:200])
        if problems and not at_boot:
            terminal.alarm = problems[0][:60]
            terminal.journal_event(codes.JET_INTEGRITY_ERROR, f"autotest: {verdict}"[:200])
        return not problems

    def damaged_record(self, finding: str) -> None:
        """A record read back for a look-up does not hold: an integrity alarm (JET 90).

        Nothing is repaired or skipped: the terminal stops selling until a
        technician acts, as after a self-test that fails.
        """
        self.terminal.alarm = "journal endommage"
        self.terminal.journal_event(codes.JET_INTEGRITY_ERROR, f"lecture: {finding}"[:200])

    def _verify_journal(self) -> tuple[str, str]:
        """Verify the checkpoint and the tail after it; return (what was checked, problem)."""
        terminal = self.terminal
        live = terminal.ledger.state
        try:
            identity = check_identity(terminal.journal, terminal.config, terminal.ledger.signer)
            verified = verify_journal(terminal.journal, identity, terminal.config)
        except BootError as exc:
            return "journal", f"journal: {exc.message}"
        again = verified.state
        jet_head = live.head(codes.DOC_JET).signature
        differs = again.seq != live.seq or again.head(codes.DOC_JET).signature != jet_head
        self.note_refused_checkpoint(verified.finding)
        return verified.describe(), "journal different de l'etat en memoire" if differs else ""

    def note_refused_checkpoint(self, finding: str) -> None:
        """Journal why a checkpoint was refused (JET 935), if it was; the journal verified."""
        if finding:
            refused = f"point de controle refuse: {finding}"
            self.terminal.journal_event(codes.JET_CHECKPOINT_REFUSED, refused[:200])

    def check_capacity(self) -> None:
        """Measure the fiscal memory: warn at 90 % (JET 920), stop new documents near full.

        Both partitions count: the journal's log (its use is exact) and
        littlefs (side files, archives): the fuller one decides. Nothing is
        ever erased to make room: the journal only grows, and a full memory
        is a technician's matter (archive, then a new flash).
        """
        self.since_capacity_check = 0
        block = self.terminal.board.flash.geometry.block_size
        journal = self.terminal.journal
        try:
            (log_used, log_size), (used, size) = journal.space()
            if used * 100 >= EXACT_FROM_PERCENT * size:
                # littlefs's running estimate is off by a few blocks (it moves its metadata):
                # near the thresholds, littlefs measures the exact figure (a walk of its blocks).
                used = journal.measure_used_bytes()
        except JournalError:
            return
        self.memory_percent = max(100 * log_used // log_size, 100 * used // size)
        reserve = RESERVE_BLOCKS * block
        self.memory_full = log_size - log_used < reserve or size - used < reserve
        if self.memory_percent >= MEMORY_WARNING_PERCENT and not self.memory_warned:
            self.memory_warned = True
            text = f"memoire fiscale utilisee a {self.memory_percent} %"
            self.terminal.journal_event(codes.JET_MEMORY_WARNING, text)

    def advance_counter(self, seq: int) -> None:
        counter = self.terminal.board.counter
        if counter is None or self.counter_frozen:
            return
        try:
            counter.advance_to(seq + self.terminal.ledger.state.counter_base)
        except CounterError as exc:
            self.counter_frozen = True
            self.terminal.alarm = f"compteur indisponible ({exc.code})"
            self.terminal.journal_event(codes.JET_INTEGRITY_ERROR, self.terminal.alarm)
