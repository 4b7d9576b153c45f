"""Making a fiscal archive on the terminal: file first, then its signed ARCHIVE record.

The archive of a closed period holds every record from the closure's
``from_seq`` to the closure itself (firmware/archive.py builds the zip).
The file is written to ``/fiscal/archives/`` first; then the ARCHIVE record,
which signs the file's SHA-256, is appended; then JET 20 (period) or 30
(fiscal year). A power cut in between leaves at worst a file that no record
names, and the archive is simply made again. On the keypad: function 17
(``make_archive``, for the runner's Terminal).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from firmware.archive import archive_digest, build_archive
from firmware.archive_range import period_records
from firmware.config import TerminalConfig
from firmware.journal import Journal, JournalError
from firmware.messages import CommitArchive, CommitJet, CommitRefused, Event, RecordCommitted
from fiscal_core import codes
from fiscal_core.errors import FiscalError
from fiscal_core.identity import Identity
from fiscal_core.records import ClosureBody, Record
from fiscal_core.state import ChainHead

if TYPE_CHECKING:
    from firmware.runner import Terminal

ARCHIVE_DIR = "/fiscal/archives"


def make_archive(terminal: Terminal, effect: CommitArchive) -> Event:
    """Write the archive file of the last closure of a kind, then its ARCHIVE record."""
    state = terminal.ledger.state
    number = state.head(effect.closure_type).number
    closure = terminal.find(effect.closure_type, number) if number else None
    if closure is None:
        return CommitRefused("NOTHING_TO_ARCHIVE", "no closure of that kind yet")
    if (closure.doc_type, closure.number) in state.archived:
        return CommitRefused("ALREADY_ARCHIVED", "this period is already archived")
    clock = terminal.board.clock
    now, offset = clock.now_utc(), clock.utc_offset_minutes()
    ledger = terminal.ledger
    identity = Identity(ledger.terminal_id, ledger.signer.public_key)
    try:
        name, digest = archive_file(
            terminal.journal, closure, identity, terminal.config, now, offset, state.chains
        )
        sealed = ledger.seal_archive(
            time_utc=now,
            utc_offset=offset,
            operator_id=effect.operator_id,
            closure=closure,
            file_name=name,
            file_digest=digest,
        )
    except FiscalError as exc:
        return CommitRefused(exc.code, exc.message)
    except JournalError as exc:
        return CommitRefused(exc.code, str(exc))
    outcome = terminal.store(sealed)
    if isinstance(outcome, RecordCommitted):
        year = closure.doc_type == codes.DOC_GT_YEAR
        code = codes.JET_YEAR_ARCHIVE if year else codes.JET_PERIOD_ARCHIVE
        jet = CommitJet(effect.operator_id, code, f"archive {name}", ref=sealed.record.number)
        terminal.commit_jet(jet)
    return outcome


def archive_file(
    journal: Journal,
    closure: Record,
    identity: Identity,
    config: TerminalConfig,
    created_utc: int,
    created_offset: int,
    heads_now: Mapping[int, ChainHead],
) -> tuple[str, bytes]:
    """Build the archive of ``closure``'s period and store it; return (name, SHA-256).

    ``heads_now`` is the ledger state's chain heads: with them the journal
    is read from the period on, not from record 1 (firmware/archive_range.py).
    Raises FiscalError when ``closure`` is not a closure, JournalError when
    the file cannot be written.
    """
    body = closure.body
    if not isinstance(body, ClosureBody):
        raise FiscalError("NOT_A_CLOSURE", "an archive is made of a closed period")
    period, previous = period_records(journal, body.from_seq, closure.seq, heads_now)
    data = build_archive(
        period,
        identity=identity,
        config=config,
        created_utc=created_utc,
        created_offset=created_offset,
        label=body.label,
        previous_signatures=previous,
    )
    kind = codes.DOC_NAMES[closure.doc_type]
    name = f"{kind}-{closure.number:06d}-{body.label}.zip"
    journal.replace_file(f"{ARCHIVE_DIR}/{name}", data)
    return name, archive_digest(data)
