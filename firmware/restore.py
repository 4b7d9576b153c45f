"""Backup and restore of the fiscal memory: what is copied, what is checked, what is written.

One code path for the manager's and administrator's keypad functions
(firmware/backups.py) and for the technician's tool (tools/flash/backup.py).

A backup (``snapshot``) copies every file of the fiscal memory: identity,
journal segments verbatim, side files (configuration copy, printed marker,
archives). Its JET 940 is journaled *before* the copy, so the copy holds
it: the backup is complete at the instant it is made.

A restore (``check`` then ``apply``) brings a backup's records back onto a
terminal's flash. Every check comes before anything is written:

1. the manifest's signature and every member's SHA-256 (firmware/backup_file.py);
2. the identity: same terminal id and key as this terminal's;
3. every frame's CRC and every record (signature, chains, numbering,
   totals, periods) with the boot's Verifier;
4. the monotonic counter: it must equal the backup's record count (plus the
   offset a technician's release fixed): fewer records than the counter
   means records made after the backup would be lost, more means the
   counter is behind; either way the backup is not this terminal's state;
5. the records already on the target are a byte-identical prefix of the
   backup's (a new flash has none; a restore cut by a power failure has
   some).

Then ``apply`` writes a marker (RESTORE_PATH, which stops the boot until
the restore is over), the side files the target lacks, and appends the
missing records verbatim: no record is ever rewritten, and the JET already
on the target is untouched (6.5.3.3). The caller journals JET 942 after it
(6.5.3.2) and calls ``finish``. A refusal changes nothing and is journaled
by the caller (JET 941, 5.1.3.4). A restore cut by a power failure is run
again: its records are a prefix, it goes on where it stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.backup_file import BackupContents, BackupError, backup_name, build_backup, read_backup
from firmware.config import TerminalConfig
from firmware.journal import (
    IDENTITY_PATH,
    RESTORE_PATH,
    CorruptFrameError,
    Journal,
    JournalError,
    iter_frames,
    segment_name,
)
from fiscal_core import codes
from fiscal_core.errors import FormatError, IntegrityError
from fiscal_core.events import JetBody
from fiscal_core.identity import Identity
from fiscal_core.records import Record
from fiscal_core.state import LedgerState
from fiscal_core.verifier import Verifier

if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer

__all__ = ["BackupError", "Checked", "apply", "check", "finish", "snapshot"]


class Checked:
    """A backup that passed every check against one target flash."""

    __slots__ = ("contents", "done", "present", "records", "state")

    def __init__(
        self,
        contents: BackupContents,
        records: list[bytes],
        state: LedgerState,
        present: int,
        done: bool,
    ) -> None:
        self.contents = contents
        self.records = records  # the backup's records, in journal order
        self.state = state  # the ledger state after them
        self.present = present  # how many of them the target already holds
        self.done = done  # the target holds them all and this restore's JET 942: finish only

    @property
    def missing(self) -> int:
        return len(self.records) - self.present


def snapshot(
    journal: Journal,
    signer: Signer,
    *,
    record_count: int,
    last_signature: bytes,
    counter: int,
    time_utc: int,
    utc_offset: int,
) -> tuple[str, bytes]:
    """Return (file name, zip bytes) of a backup of everything on ``journal``'s flash.

    Raises JournalError when a file cannot be read.
    """
    identity_bytes = journal.identity()
    identity = Identity.decode(identity_bytes)
    files = [(IDENTITY_PATH, identity_bytes)]
    last, _ = journal.position()
    segments = journal.segments_from(1, last)  # one pass over the log, not a search per segment
    files += [(segment_name(i), data) for i, data in enumerate(segments, 1)]
    for path in journal.side_files():
        data = journal.read_file(path)
        if data is not None:
            files.append((path, data))
    data = build_backup(
        files,
        identity=identity,
        signer=signer,
        record_count=record_count,
        last_signature=last_signature,
        counter=counter,
        time_utc=time_utc,
        utc_offset=utc_offset,
    )
    return backup_name(identity.terminal_id, record_count), data


def check(data: bytes, journal: Journal, config: TerminalConfig, counter: int | None) -> Checked:
    """Check the backup ``data`` against the flash of ``journal``; write nothing.

    ``counter`` is the monotonic counter's value (None on a board without
    one). Returns what ``apply`` needs; raises BackupError with the reason.
    """
    try:
        identity_bytes = journal.identity()
        identity = Identity.decode(identity_bytes)
    except (JournalError, FormatError) as exc:
        raise BackupError("TARGET_UNREADABLE", f"identite du terminal illisible: {exc}") from None
    contents = read_backup(data, identity)
    if contents.identity != identity_bytes:
        raise BackupError("OTHER_TERMINAL", "identite differente de celle du terminal")
    records, state = _verified_records(contents, identity, config)
    manifest = contents.manifest
    last = Record.decode(records[-1]).signature if records else b""
    if len(records) != manifest.record_count or last != manifest.last_signature:
        raise BackupError("BAD_RECORD", "enregistrements differents du manifeste")
    try:
        target = list(journal.records())
        marker = journal.read_file(RESTORE_PATH)
    except (CorruptFrameError, JournalError) as exc:
        raise BackupError("TARGET_UNREADABLE", f"memoire du terminal illisible: {exc}") from None
    expected = len(records) + state.counter_base
    done = (
        marker == contents.digest.encode("ascii")
        and len(target) == len(records) + 1
        and target[:-1] == records
        and _is_restore_done(target[-1])
    )
    if done:  # the restore was carried out and journaled; a power cut came before its end
        if counter is not None and counter not in (expected, expected + 1):
            raise BackupError("COUNTER_MISMATCH", f"compteur {counter}, attendu {expected}")
        return Checked(contents, records, state, len(records), True)
    if counter is not None and counter != expected:
        if counter > expected:
            why = f"sauvegarde perimee: {len(records)} enregistrements, compteur {counter}"
        else:
            why = f"compteur {counter} en retard sur la sauvegarde ({len(records)})"
        raise BackupError("COUNTER_MISMATCH", why)
    if len(target) > len(records) or target != records[: len(target)]:
        raise BackupError(
            "NOT_A_PREFIX", f"memoire du terminal ({len(target)}) differente de la sauvegarde"
        )
    return Checked(contents, records, state, len(target), False)


def apply(journal: Journal, checked: Checked) -> None:
    """Write the side files the target lacks and append the missing records verbatim.

    Raises JournalError when the flash refuses a write: the target then
    holds a prefix of the backup and the marker, and the restore is run again.
    """
    if checked.done:
        return
    journal.replace_file(RESTORE_PATH, checked.contents.digest.encode("ascii"))
    existing = set(journal.side_files())
    for path, data in checked.contents.side_files():
        if path not in existing:  # the target's own copy is as recent, or more
            journal.replace_file(path, data)
    for raw in checked.records[checked.present :]:
        journal.append(raw)


def finish(journal: Journal) -> None:
    """End a restore whose JET 942 is durable: remove the marker that stops the boot."""
    journal.remove_file(RESTORE_PATH)


def done_text(checked: Checked) -> str:
    """Return the text of the JET 942 of this restore."""
    manifest = checked.contents.manifest
    name = backup_name(manifest.terminal_id, manifest.record_count)
    return f"restauration {name} {checked.contents.digest[:16]}: {checked.missing} ajoutes"


def _is_restore_done(raw: bytes) -> bool:
    try:
        body = Record.decode(raw).body
    except FormatError:
        return False
    return isinstance(body, JetBody) and body.code == codes.JET_RESTORE_DONE


def _verified_records(
    contents: BackupContents, identity: Identity, config: TerminalConfig
) -> tuple[list[bytes], LedgerState]:
    verifier = Verifier(identity.public_key, identity.terminal_id, config.fiscal_year_start_month)
    records: list[bytes] = []
    try:
        for path, segment in contents.segments():
            for raw in iter_frames(path, segment):
                verifier.check(Record.decode(raw))
                records.append(raw)
    except CorruptFrameError as exc:
        raise BackupError("BAD_RECORD", f"trame illisible: {exc}") from None
    except FormatError as exc:
        raise BackupError("BAD_RECORD", f"enregistrement illisible: {exc.message}") from None
    except IntegrityError as exc:
        raise BackupError("BAD_RECORD", f"enregistrement {exc.seq}: {exc.message}") from None
    return records, verifier.state
