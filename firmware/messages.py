"""Events the terminal reacts to (past tense) and effects it asks for (imperative).

The state machine (firmware/machine.py) turns one event into a new state and
a list of effects; the runner (firmware/runner.py) carries the effects out,
in order, and feeds their outcome back as events.
"""

from __future__ import annotations

from dataclasses import dataclass

from fiscal_core.records import Line, Payment, Record

# ----------------------------------------------------------------- events


@dataclass(frozen=True)
class Booted:
    """The journal is mounted and checked, the start-up is journaled."""

    period_open: bool = False
    training: bool = False
    config_pending: bool = False  # the configuration changed: a manager must give the reason
    unprinted: int = 0  # tickets recorded but not printed, waiting for function 16
    halted: str = ""  # an integrity alarm (JET 90): the terminal refuses to work
    archive_due: bool = False  # a closed fiscal year waits for its archive (function 17)
    memory_percent: int = 0  # how full the fiscal memory is
    clock_step: str = ""  # the clock stepped before the start-up: nothing journaled yet
    clock_behind: bool = False  # ... to before the last record: it must be set right


@dataclass(frozen=True)
class Halted:
    """An integrity alarm was raised and journaled (JET 90); ``reason`` says what."""

    reason: str


@dataclass(frozen=True)
class ClockStepped:
    """The wall clock left its course (firmware/clock_watch.py): nothing is recorded meanwhile.

    ``shown`` is the new local time and the step's size, for the display;
    ``behind``: the clock is before the last record's, so no confirmation can
    help: the clock must be set right.
    """

    shown: str
    behind: bool = False


@dataclass(frozen=True)
class ClockSettled:
    """The clock is back on its course (set right, not confirmed): work resumes."""


@dataclass(frozen=True)
class KeyPressed:
    key: str


@dataclass(frozen=True)
class RecordCommitted:
    """A record requested by a Commit* effect is durable in the journal."""

    record: Record


@dataclass(frozen=True)
class CommitRefused:
    """The fiscal core, the journal or the printer check refused a commit; nothing stored."""

    code: str
    message: str


@dataclass(frozen=True)
class RecordLoaded:
    """A record asked for by LoadRecord was found in the journal."""

    record: Record


@dataclass(frozen=True)
class PrintFailed:
    """The printer was not ready (``code`` is a hal.ports PRINTER_* state)."""

    code: str


@dataclass(frozen=True)
class PendingPrinted:
    """Tickets recorded but not printed were printed late (``count`` of them)."""

    count: int


Event = (
    Booted
    | Halted
    | KeyPressed
    | RecordCommitted
    | CommitRefused
    | RecordLoaded
    | PrintFailed
    | PendingPrinted
    | ClockStepped
    | ClockSettled
)

# ---------------------------------------------------------------- effects


@dataclass(frozen=True)
class Show:
    line1: str
    line2: str = ""


@dataclass(frozen=True)
class CommitTicket:
    operator_id: int
    lines: tuple[Line, ...]
    payments: tuple[Payment, ...]


@dataclass(frozen=True)
class CommitReturn:
    operator_id: int
    original: Record
    lines: tuple[Line, ...]
    refunds: tuple[Payment, ...]
    reason: str


@dataclass(frozen=True)
class CommitJet:
    operator_id: int
    code: int
    text: str
    amount: int = 0
    ref: int = 0


@dataclass(frozen=True)
class CommitNote:
    operator_id: int
    lines: tuple[Line, ...]
    persons: int


@dataclass(frozen=True)
class CommitClosure:
    operator_id: int
    doc_type: int


@dataclass(frozen=True)
class CommitDuplicate:
    operator_id: int
    original: Record


@dataclass(frozen=True)
class CommitInvoice:
    operator_id: int
    ticket: Record
    customer: str
    postcode: str
    vat_number: str


@dataclass(frozen=True)
class CommitConfigChange:
    """Journal the configuration change found at boot (JET 400/410/130) with its reason."""

    operator_id: int
    reason: str


@dataclass(frozen=True)
class CommitArchive:
    """Make the archive file of the last closure of ``closure_type`` and record it."""

    operator_id: int
    closure_type: int


@dataclass(frozen=True)
class MakeBackup:
    """Journal a backup (JET 940) and write it to the removable storage (JET 943 if it fails)."""

    operator_id: int


@dataclass(frozen=True)
class CommitClockStep:
    """Journal the clock step waiting (JET 910) and its confirmation by this manager (JET 911)."""

    operator_id: int


@dataclass(frozen=True)
class RestoreBackup:
    """Restore the backup of ``record_count`` records (0: the latest) from the storage.

    The outcome is the RecordCommitted of its JET: 942 done, 941 refused.
    """

    operator_id: int
    record_count: int


@dataclass(frozen=True)
class LoadRecord:
    """Find a document in the journal by type and number (0 = the last one)."""

    doc_type: int
    number: int


@dataclass(frozen=True)
class PrintRecord:
    """Print a recorded document; ``original`` for a duplicate or an invoice."""

    record: Record
    original: Record | None = None


@dataclass(frozen=True)
class PrintSlip:
    """Print a non-fiscal document: ``kind`` is one of the SLIP_* names below."""

    kind: str
    operator_id: int
    record: Record | None = None
    lines: tuple[Line, ...] = ()
    persons: int = 0


SLIP_X_REPORT = "x-report"
SLIP_VERSION = "version"
SLIP_RIGHTS = "rights"
SLIP_PAYMENT_PROOF = "payment-proof"


@dataclass(frozen=True)
class PrintPending:
    """Print every ticket recorded but not printed, each marked as printed late."""

    operator_id: int


@dataclass(frozen=True)
class OpenDrawer:
    pass


Effect = (
    Show
    | CommitTicket
    | CommitReturn
    | CommitJet
    | CommitNote
    | CommitClosure
    | CommitDuplicate
    | CommitInvoice
    | CommitConfigChange
    | CommitArchive
    | MakeBackup
    | RestoreBackup
    | CommitClockStep
    | LoadRecord
    | PrintRecord
    | PrintSlip
    | PrintPending
    | OpenDrawer
)

COMMITS = (
    CommitTicket,
    CommitReturn,
    CommitJet,
    CommitNote,
    CommitClosure,
    CommitDuplicate,
    CommitInvoice,
)
