"""Documents found by type and number in the journal, never reading all of it.

A ticket asked for on the keypad (functions 10 to 12 and 14: duplicate,
return, invoice, payment justification), the tickets function 16 prints
late and the closure function 17 archives are found by number; the
journal may hold a million records, so a look-up reads from the end and
stops as soon as the numbers asked are behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cbor2

from fiscal_core.records import Record

if TYPE_CHECKING:
    from firmware.journal import Journal
    from fiscal_core.state import LedgerState


def find_documents(
    journal: Journal, state: LedgerState, doc_type: int, numbers: set[int]
) -> dict[int, Record]:
    """Return the documents of ``doc_type`` with these numbers, never reading it all.

    Numbers beyond the chain's head do not exist: nothing is read for
    them. The last closure of each kind has its seq in the ledger state:
    one binary search over the segments. Other documents (and older
    closures): the segments from the last one back, stopping at the one
    where the chain is already below the smallest number asked (numbers
    grow with seq), so a recent document costs a segment or two and an old
    one what lies after it, never more.
    """
    wanted = {n for n in numbers if 0 < n <= state.head(doc_type).number}
    found: dict[int, Record] = {}
    for number in list(wanted):
        known = state.closures.get((doc_type, number))  # the last closure of each kind
        raw = journal.record_at(known[1]) if known is not None else None
        record = Record.decode(raw) if raw is not None else None
        if record is not None and (record.doc_type, record.number) == (doc_type, number):
            found[number] = record
            wanted.discard(number)
    for segment in journal.segments_backwards() if wanted else ():
        below = False
        for raw in segment:
            seen = _number_if_of_type(raw, doc_type)
            if seen is not None:
                below = below or seen <= min(wanted)
                if seen in wanted:
                    record = Record.decode(raw)  # in full: the one asked for
                    found[record.number] = record
        if below or wanted <= found.keys():
            break
    return found


def _number_if_of_type(raw: bytes, doc_type: int) -> int | None:
    """The number of the record ``raw`` when it is of ``doc_type`` (read off its raw items).

    A sieve: the records it keeps are decoded in full. A record whose
    items are not the usual shape is decoded in full here, so what it is
    (or that it is no record: FormatError) is said by the decoder.
    """
    try:
        items = cbor2.loads(raw)
        kind, number = items[1], items[3]
    except Exception:  # cbor2 raises several error types; or too few items
        kind = number = None
    if not isinstance(kind, int) or not isinstance(number, int):
        record = Record.decode(raw)
        kind, number = record.doc_type, record.number
    return number if kind == doc_type else None
