"""Recovery: the ledger state rebuilt from the journal alone, every record checked.

Used at start-up (before anything is written) and by the daily self-test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.config import TerminalConfig
from firmware.journal import CorruptFrameError, Journal, JournalError
from fiscal_core.errors import FormatError, IntegrityError
from fiscal_core.identity import Identity
from fiscal_core.ledger import Ledger
from fiscal_core.records import Record
from fiscal_core.verifier import Verifier

if TYPE_CHECKING:
    from fiscal_core.ed25519 import Signer


class BootError(Exception):
    """The terminal cannot start on this flash; nothing was written. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def recover(journal: Journal, config: TerminalConfig, signer: Signer) -> Ledger:
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
    verifier = Verifier(identity.public_key, identity.terminal_id, config.fiscal_year_start_month)
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
