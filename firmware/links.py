"""The links of a document (its reprints, invoice and returns), read from the journal after it.

The ledger state keeps no such facts (fiscal_core/links.py): when the
cashier reprints, invoices or returns a document, the records that follow
it in the journal are read and folded. A document of the day costs the few
records after it; one from years ago costs what was recorded since (a few
microseconds a record: the journal's segments read in bulk, most records
dropped on their raw CBOR items without a full decoding), as finding it
already does (firmware/lookup.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cbor2

from fiscal_core.links import DocumentLinks
from fiscal_core.records import Record

if TYPE_CHECKING:
    from firmware.journal_reader import JournalReader


def links_of(journal: JournalReader, original: Record) -> DocumentLinks:
    """Return what the records after ``original`` say of it.

    Each record is first read as raw CBOR items (a few microseconds) and
    decoded in full only when it may name ``original`` (``may_name``).
    Raises JournalError (CorruptFrameError) when a frame after it does not
    hold, FormatError when a record that may name it is not a record.
    """
    links = DocumentLinks(original.doc_type, original.number)
    for raw in journal.records_after(original.seq):
        try:
            items = cbor2.loads(raw)
        except Exception:  # cbor2 raises several error types: the full decoding names it
            items = None
        if not isinstance(items, list) or links.may_name(items):
            links.take(Record.decode(raw))
    return links
