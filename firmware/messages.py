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


@dataclass(frozen=True)
class KeyPressed:
    key: str


@dataclass(frozen=True)
class RecordCommitted:
    """A record requested by a Commit* effect is durable in the journal."""

    record: Record


@dataclass(frozen=True)
class CommitRefused:
    """The fiscal core or the journal refused a Commit* effect; nothing was stored."""

    code: str
    message: str


@dataclass(frozen=True)
class PrintFailed:
    """The printer was not ready (``code`` is a hal.ports PRINTER_* state)."""

    code: str


Event = Booted | KeyPressed | RecordCommitted | CommitRefused | PrintFailed

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
class CommitJet:
    operator_id: int
    code: int
    text: str


@dataclass(frozen=True)
class PrintTicket:
    record: Record


@dataclass(frozen=True)
class OpenDrawer:
    pass


Effect = Show | CommitTicket | CommitJet | PrintTicket | OpenDrawer
