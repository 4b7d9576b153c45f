"""Checkpoints on the terminal: written beside the journal, loaded and checked at boot.

A checkpoint (fiscal_core/checkpoint.py, docs/SPEC.md "Checkpoint") is a side
file, ``/fiscal/checkpoint``, replaced atomically (write ``.new``, rename):
a power cut during a write leaves the old one or the new one, and either
is checked in full before it is used. It is not a fiscal record: writing
one journals nothing.

When (firmware/runner.py): after the daily self-test, after a month or
year closure and an archive, every CHECKPOINT_EVERY records, and at the
end of a boot unless the checkpoint it started from is fewer than
BOOT_TAIL_KEPT records behind (``worth_writing_at_boot``). 1,000 records
bound what a boot and a self-test verify record by record (about 1,000
signatures at most, whatever the journal's length) for one state write
per 1,000 commits, under a kilobyte against the 1,000 appends it follows.
A boot that started from the latest checkpoint only adds its own records
(start-up, self-test): writing a checkpoint for them (encode, sign, a
littlefs write, about 5 ms) costs more than the next boot's verifying
them (about 0.4 ms a record), so it is left to the boot after, once
BOOT_TAIL_KEPT records have gathered.

Loading checks, in order: the signature (the identity's key), the terminal
id, the record at the checkpoint's position (present, ending exactly there,
with the stated SHA-256 and seq: the journal was not cut or rewritten before
it), and that the state agrees with that record (its chain's head, its
time, a ticket's perpetual totals). Any
failure raises CheckpointRefused with the reason; the caller journals it and
verifies the whole journal instead.
"""

from __future__ import annotations

import hashlib

from firmware.journal import CHECKPOINT_PATH, CorruptFrameError, Journal, JournalError
from fiscal_core import codes
from fiscal_core.checkpoint import Checkpoint
from fiscal_core.errors import FormatError
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger
from fiscal_core.records import Record, TicketBody

CHECKPOINT_EVERY = 1000  # records between two routine checkpoints (see the module docstring)
# Records a boot may leave after the checkpoint instead of writing one (see the module docstring).
BOOT_TAIL_KEPT = 8


class CheckpointRefused(Exception):
    """A checkpoint failed a check; ``reason`` says which (in French, for the JET)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def write_checkpoint(journal: Journal, ledger: Ledger, *, measure: bool = False) -> Checkpoint:
    """Sign the ledger's state at the journal's end and store it; return the checkpoint.

    ``measure``: let littlefs measure the storage in use first (a walk of
    the filesystem, for moments off the sale path). Raises JournalError when
    the journal's end is not the state's last record, or the file cannot be
    written (the previous checkpoint then stays).
    """
    segment, offset = journal.position()
    state = ledger.state
    last = journal.record_ending_at(segment, offset) if state.seq else b""
    if last is None or (state.seq and Record.decode(last).seq != state.seq):
        raise JournalError("CHECKPOINT", "the journal's last record is not the ledger's")
    used = journal.measure_used_bytes() if measure else journal.used_bytes()
    digest = hashlib.sha256(last).digest() if state.seq else b""
    checkpoint = Checkpoint(ledger.terminal_id, state, segment, offset, digest, used)
    journal.replace_file(CHECKPOINT_PATH, checkpoint.sign(ledger.signer))
    return checkpoint


def worth_writing_at_boot(started_from: int, latest: int, seq: int) -> bool:
    """Whether a boot ending at record ``seq`` writes a checkpoint.

    ``started_from``: the checkpoint the boot's verification started from
    (0: none, refused or missing: the whole journal was verified, and is
    then covered at once); ``latest``: the last one written since.
    """
    return started_from == 0 or seq - latest >= BOOT_TAIL_KEPT


def load_checkpoint(journal: Journal, identity: Identity) -> Checkpoint | None:
    """Return the stored checkpoint once checked, None when there is none.

    Raises CheckpointRefused when it fails a check (see the module docstring).
    """
    try:
        data = journal.read_file(CHECKPOINT_PATH)
    except JournalError as exc:
        raise CheckpointRefused(f"illisible ({exc.code})") from None
    if data is None:
        return None
    try:
        checkpoint = Checkpoint.open(data, identity.public_key)
    except FormatError as exc:
        raise CheckpointRefused(f"invalide: {exc.message}") from None
    if checkpoint.terminal_id != identity.terminal_id:
        raise CheckpointRefused(f"d'un autre terminal ({checkpoint.terminal_id})")
    if checkpoint.seq == 0:
        if (checkpoint.segment, checkpoint.offset) != (0, 0):
            raise CheckpointRefused("position d'un journal vide incoherente")
        return checkpoint
    where = f"segment {checkpoint.segment} octet {checkpoint.offset}"
    try:
        last = journal.record_ending_at(checkpoint.segment, checkpoint.offset)
    except (CorruptFrameError, JournalError) as exc:
        raise CheckpointRefused(f"journal illisible avant {where}: {exc}") from None
    if last is None:
        raise CheckpointRefused(f"aucun enregistrement ne finit au {where} (journal coupe?)")
    if hashlib.sha256(last).digest() != checkpoint.last_digest:
        raise CheckpointRefused(f"l'enregistrement {checkpoint.seq} differe de son empreinte")
    _agrees(checkpoint, last)
    return checkpoint


def _agrees(checkpoint: Checkpoint, last: bytes) -> None:
    """Raise CheckpointRefused unless the state's head is the record at its position."""
    try:
        record = Record.decode(last)
    except FormatError as exc:
        raise CheckpointRefused(f"dernier enregistrement illisible: {exc.message}") from None
    state = checkpoint.state
    head = state.head(record.doc_type)
    body = record.body
    agrees = (
        record.seq == state.seq
        and (head.number, head.signature) == (record.number, record.signature)
        and record.time_utc <= state.last_time
    )
    if isinstance(body, TicketBody) and record.doc_type == codes.DOC_TICKET:
        agrees = agrees and (body.gt_real, body.gt_absolute) == (state.gt_real, state.gt_absolute)
    if not agrees:
        raise CheckpointRefused(f"etat different de l'enregistrement {record.seq}")
