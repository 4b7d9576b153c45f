"""The records an archive holds, and the signatures before them, read without the journal's start.

An archive holds a closed period, records ``from_seq`` to the closure, and
the signature before the period's first record of each chain
(``previous_signatures`` in its manifest, firmware/archive.py), so that
each of its chains can be checked on its own. That signature is the last
one of the chain before ``from_seq``:

- a chain with no record from ``from_seq`` on still ends where the ledger
  state says it ends now (its head);
- a chain whose first record from ``from_seq`` on is number 1 has none;
- any other chain's is its record numbered one less, found reading
  backwards from ``from_seq`` (usually close by: the day's or month's
  closure before, the last JET line).

So an archive costs the records from its period to the journal's end and
a few before it, not the whole journal from record 1 (a million records
on a terminal a few years old), and holds no record outside its period.
The grand-total-ticket chain (doc_type 2) lives in the tickets: its number
is the ticket's, its signature the ticket's ``gt_signature``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from firmware.journal import Journal
from fiscal_core import codes
from fiscal_core.records import Record, TicketBody
from fiscal_core.state import ChainHead

READ_BATCH = 256  # records per journal read, forwards and backwards


def period_records(
    journal: Journal, from_seq: int, last_seq: int, heads_now: Mapping[int, ChainHead]
) -> tuple[list[Record], dict[int, bytes]]:
    """Return the records ``from_seq``..``last_seq`` and the signatures before them, per chain.

    ``heads_now`` is the ledger state's chain heads (``LedgerState.chains``).
    A chain whose signature before the period cannot be found is left out:
    the archive's own check (``build_archive``) then refuses the period.
    """
    period: list[Record] = []
    firsts: dict[int, int] = {}  # chain -> its first number from from_seq on
    for record in _forwards(journal, from_seq):
        if record.seq <= last_seq:
            period.append(record)
        for chain, number, _ in _links(record):
            firsts.setdefault(chain, number)
    previous: dict[int, bytes] = {}
    wanted: dict[int, int] = {}  # chain -> the number whose signature is wanted
    for chain, head in heads_now.items():
        if head.number <= 0:
            continue
        if chain not in firsts:
            previous[chain] = head.signature
        elif firsts[chain] > 1:
            wanted[chain] = firsts[chain] - 1
    for record in _backwards(journal, from_seq - 1):
        if not wanted:
            break
        for chain, number, signature in _links(record):
            if wanted.get(chain) == number:
                previous[chain] = signature
                del wanted[chain]
    return period, previous


def _links(record: Record) -> list[tuple[int, int, bytes]]:
    """Return (chain, number, signature) of each chain ``record`` belongs to."""
    links = [(record.doc_type, record.number, record.signature)]
    if record.doc_type == codes.DOC_TICKET and isinstance(record.body, TicketBody):
        links.append((codes.DOC_GT_TICKET, record.number, record.body.gt_signature))
    return links


def _forwards(journal: Journal, first: int) -> Iterator[Record]:
    """Yield the records from seq ``first`` to the journal's end."""
    seq = first
    while batch := journal.read_records(seq, READ_BATCH):
        for raw in batch:
            yield Record.decode(raw)
        seq += len(batch)


def _backwards(journal: Journal, last: int) -> Iterator[Record]:
    """Yield the records from seq ``last`` down to 1."""
    high = last
    while high >= 1:
        low = max(1, high - READ_BATCH + 1)
        batch = journal.read_records(low, high - low + 1)
        if not batch:
            return
        for raw in reversed(batch):
            yield Record.decode(raw)
        high = low - 1
