"""The keypad's backup (function 18) and restore (function 19), on a running terminal.

Backup: the JET 940 naming the file is journaled first, then the file is
written to the removable storage (the USB stick): it holds every record up
to that JET. A stick missing or a write that fails is a JET 943 with the
reason, so the trail never announces a backup that does not exist without
saying so.

Restore: the backup is read from the stick and goes through the checks of
firmware/restore.py. On a terminal that is running, records were always
journaled after any backup (its log-in at least), so the counter is ahead
and the restore is refused (JET 941); only a backup made in the same
session, with nothing journaled since, passes, and then adds nothing. A
flash that lost records is restored by the technician's tool
(``fiscal-flash restore``), before the terminal starts on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.backup_file import NAME_RE, BackupError, backup_name
from firmware.journal import JournalError
from firmware.messages import CommitJet, CommitRefused, Event, RecordCommitted
from firmware.restore import apply, check, done_text, finish, snapshot
from fiscal_core import codes
from fiscal_core.ledger import Ledger
from hal.ports import StorageError

if TYPE_CHECKING:
    from firmware.runner import Terminal

JET_TEXT_MAX = 200


def make_backup(terminal: Terminal, operator_id: int) -> Event:
    """Journal the backup (JET 940), write it to the stick; a failure is a JET 943."""
    state = terminal.ledger.state
    name = backup_name(terminal.ledger.terminal_id, state.seq + 1)
    announced = terminal.commit_jet(CommitJet(operator_id, codes.JET_BACKUP, name))
    if not isinstance(announced, RecordCommitted):
        return announced
    clock = terminal.board.clock
    storage = terminal.board.storage
    try:
        _, data = snapshot(
            terminal.journal,
            terminal.ledger.signer,
            record_count=announced.record.seq,
            last_signature=announced.record.signature,
            counter=terminal.counter_value(),
            time_utc=clock.now_utc(),
            utc_offset=clock.utc_offset_minutes(),
        )
        if storage is None:
            raise StorageError("STORAGE_ABSENT", "pas de support amovible")
        storage.write(name, data)
    except (StorageError, JournalError) as exc:
        why = "cle USB absente" if getattr(exc, "code", "") == "STORAGE_ABSENT" else str(exc)
        text = f"sauvegarde {name} non ecrite: {why}"[:JET_TEXT_MAX]
        return terminal.commit_jet(CommitJet(operator_id, codes.JET_BACKUP_FAILED, text))
    return announced


def restore_backup(terminal: Terminal, operator_id: int, record_count: int) -> Event:
    """Restore the backup of ``record_count`` records from the stick (0: the latest).

    Every refusal is journaled (JET 941, its reason); a restore carried out
    is journaled after it (JET 942).
    """
    try:
        data = _read_backup(terminal, record_count)
        checked = check(data, terminal.journal, terminal.config, _counter(terminal))
    except BackupError as exc:
        text = f"restauration refusee {exc.code}: {exc.reason}"[:JET_TEXT_MAX]
        return terminal.commit_jet(CommitJet(operator_id, codes.JET_RESTORE_REFUSED, text))
    if checked.done:  # not on a running terminal: its boot refuses while the marker is there
        finish(terminal.journal)
        return CommitRefused("RESTORE_DONE", "this restore was already carried out")
    try:
        apply(terminal.journal, checked)
    except JournalError as exc:
        # Part of the backup may be on the flash now, not in the ledger: stop until a technician.
        terminal.alarm = "restauration inachevee"
        return CommitRefused(exc.code, str(exc))
    terminal.ledger = Ledger(terminal.ledger.terminal_id, terminal.ledger.signer, checked.state)
    outcome = terminal.commit_jet(
        CommitJet(operator_id, codes.JET_RESTORE_DONE, done_text(checked))
    )
    if isinstance(outcome, RecordCommitted):
        finish(terminal.journal)
    return outcome


def _counter(terminal: Terminal) -> int | None:
    return terminal.counter_value() if terminal.board.counter is not None else None


def _read_backup(terminal: Terminal, record_count: int) -> bytes:
    storage = terminal.board.storage
    if storage is None:
        raise BackupError("NO_STORAGE", "pas de support amovible")
    try:
        ours = backup_name(terminal.ledger.terminal_id, 0).rsplit("-", 1)[0]
        names = [n for n in storage.names() if NAME_RE.match(n) and n.rsplit("-", 1)[0] == ours]
        if record_count:
            names = [
                n for n in names if n == backup_name(terminal.ledger.terminal_id, record_count)
            ]
        if not names:
            raise BackupError("NOT_FOUND", "aucune sauvegarde de ce terminal sur la cle")
        return storage.read(max(names))
    except StorageError as exc:
        why = "cle USB absente" if exc.code == "STORAGE_ABSENT" else str(exc)
        raise BackupError("NO_STORAGE", why) from None
