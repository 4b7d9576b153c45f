"""The links of a document (its reprints, invoice and returns), read from the journal after it.

The ledger state keeps no such facts (fiscal_core/links.py): when the
cashier reprints, invoices or returns a document, the records that follow
it in the journal are read and folded. A document of the day costs the few
records after it; one from years ago costs what was recorded since, as
finding it already does (firmware/lookup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fiscal_core.links import DocumentLinks
from fiscal_core.records import Record

if TYPE_CHECKING:
    from firmware.journal_reader import JournalReader


def links_of(journal: JournalReader, original: Record) -> DocumentLinks:
    """Return what the records after ``original`` say of it.

    Raises JournalError (CorruptFrameError) when a frame after it does not hold.
    """
    return DocumentLinks.after(original, map(Record.decode, journal.records_after(original.seq)))
