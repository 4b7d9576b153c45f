"""Recovery: the ledger state rebuilt from the flash alone, every record it rests on checked.

Used at start-up (before anything is written) and by the daily self-test.
``verify_journal`` starts from the signed checkpoint when one passes its
checks (firmware/checkpointing.py) and verifies, record by record, only the
tail after it: a journal of a million records is read as far as a journal
of a thousand. Without a checkpoint (a new journal) it verifies every
record; with a refused one, it says why (``finding``, journaled by the
caller as JET 935) and verifies every record too. ``recover`` is the full
verification, always from the first record: the technician's explicit
check (fiscal-flash release-alarm) and the reference the checkpoint path is
tested against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.checkpointing import CheckpointRefused, load_checkpoint
from firmware.config import TerminalConfig
from firmware.journal import CorruptFrameError, Journal, JournalError
from fiscal_core.errors import FormatError, IntegrityError
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger
from fiscal_core.records import Record
from fiscal_core.state import LedgerState
from fiscal_core.verifier import Verifier

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fiscal_core.checkpoint import Checkpoint
    from fiscal_core.ed25519 import Signer


class BootError(Exception):
    """The terminal cannot start on this flash; nothing was written. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Verified:
    """What a verification of the journal established, and how."""

    __slots__ = ("checkpoint_seq", "finding", "first", "last", "state", "tail_from", "used_bytes")

    def __init__(self, state: LedgerState, finding: str, checkpoint: Checkpoint | None) -> None:
        self.state = state
        self.last = state.seq  # the last record verified (the state moves on after a boot)
        self.finding = finding  # why the stored checkpoint was refused ("" if it was not)
        self.checkpoint_seq = checkpoint.seq if checkpoint else 0  # 0: every record verified
        self.first = self.checkpoint_seq + 1  # the first record verified one by one
        # Where the record-by-record check started, and the storage in use there (-1: unknown).
        self.tail_from = (checkpoint.segment, checkpoint.offset) if checkpoint else (0, 0)
        self.used_bytes = checkpoint.used_bytes if checkpoint else -1

    def describe(self) -> str:
        """Say what was checked, for the self-test's JET line."""
        checked = f"enregistrements {self.first} a {self.last} verifies"
        if self.first > self.last:
            checked = "aucun enregistrement apres lui"
        if self.checkpoint_seq:
            return f"point de controle {self.checkpoint_seq} verifie, {checked}"
        return checked


def check_identity(journal: Journal, config: TerminalConfig, signer: Signer) -> Identity:
    """Return the journal's identity; raise BootError unless it is this terminal's."""
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
    return identity


def verify_journal(journal: Journal, identity: Identity, config: TerminalConfig) -> Verified:
    """Verify the journal from its checkpoint (or from the start); return what was found.

    Raises BootError when a record fails a check (frame, format, numbering,
    chain, signature, totals) on the way from the first record.
    """
    finding = ""
    try:
        checkpoint = load_checkpoint(journal, identity)
    except CheckpointRefused as exc:
        checkpoint, finding = None, exc.reason
    month = config.fiscal_year_start_month
    if checkpoint is not None and checkpoint.state.fiscal_year_start_month != month:
        checkpoint, finding = None, "fait avec un autre debut d'exercice"
    if checkpoint is not None:
        verifier = Verifier(identity.public_key, identity.terminal_id, state=checkpoint.state)
        try:
            _check(verifier, journal.frames_after(checkpoint.segment, checkpoint.offset))
            return Verified(verifier.state, "", checkpoint)
        except BootError as exc:  # the tail disagrees with the checkpoint: trust neither
            finding = f"la suite ne s'accorde pas avec lui ({exc.message})"[:150]
    verifier = Verifier(identity.public_key, identity.terminal_id, month)
    _check(verifier, journal.records())
    return Verified(verifier.state, finding, None)


def resume(journal: Journal, config: TerminalConfig, signer: Signer) -> tuple[Ledger, Verified]:
    """Return the ledger for a boot, and how the journal was verified (see the docstring).

    Also sets the journal's storage figure from the checkpoint when one was
    used (no walk of the filesystem). Raises BootError as ``verify_journal``.
    """
    identity = check_identity(journal, config, signer)
    verified = verify_journal(journal, identity, config)
    if verified.used_bytes >= 0:
        journal.assume_used_bytes(verified.used_bytes, verified.tail_from)
    return Ledger(identity.terminal_id, signer, verified.state), verified


def recover(journal: Journal, config: TerminalConfig, signer: Signer) -> Ledger:
    """Return the ledger rebuilt from ``journal``, every record checked from the first.

    Raises BootError when the identity does not match this terminal or any
    record fails a check (frame, format, numbering, chain, signature, totals).
    """
    identity = check_identity(journal, config, signer)
    verifier = Verifier(identity.public_key, identity.terminal_id, config.fiscal_year_start_month)
    _check(verifier, journal.records())
    return Ledger(identity.terminal_id, signer, verifier.state)


def _check(verifier: Verifier, records: Iterable[bytes]) -> None:
    try:
        for raw in records:
            verifier.check(Record.decode(raw))
    except CorruptFrameError as exc:
        raise BootError("CORRUPT_JOURNAL", str(exc)) from None
    except JournalError as exc:
        raise BootError(exc.code, str(exc)) from None
    except IntegrityError as exc:
        raise BootError("INTEGRITY", str(exc)) from None
