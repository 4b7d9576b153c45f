"""A clean range summed up by its worker, so that the verifier does not replay every record.

Theory of operation. The ordered checks (``stream``) need every record only
where a record can meet a problem that the records before it decide: the
continuity of each numbering at a range's edges, a signature whose chain
predecessor is in an earlier range, the replay's state (periods, training
mode, closures, returns and invoices…). Most records of a journal are
sales and JET lines between two such places: once their worker has
checked them against their predecessors in the same range, all that the
verifier does with them is add them up. So a worker whose range is clean
(``condense``) sends back:

- in full (an ``Entry``, as ever): the range's first and last records, the
  first and last record of each chain in it, every record other than a
  sale or a JET line of no consequence for the replay (``QUIET_JETS``),
  every record with a problem of its own, and the record the head
  statement names; each whose chain predecessor is in the range comes
  already trusted, that predecessor as its ``link``;
- for each stretch of records between them, a ``Run``: the seq and chain
  numbers it spans, what its tickets and JET lines add to the closure
  figures and to the perpetual totals, the latest local time of its
  tickets, where each ticket is (a return or an invoice may name it), and
  the digest of each record's archive row when asked.

A range is clean when every frame decoded into a record of a chained type,
its seqs follow each other, each chain's numbers too, and every signature
whose predecessor is in the range holds; any other range comes back
entry by entry, as it always did. The verifier, for its part, sums a run
only when none of its records could have a problem with the state it has
reached (a ticket out of the open period, a real ticket in training mode);
otherwise it verifies the journal again record by record (``stream.Doubt``),
so that the findings are exactly those of the record-by-record pass.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from itertools import pairwise

from tools.inspect.chains import GT, RECORD, Entry, Known
from tools.inspect.head import JET_INTEGRITY_CLEARED
from tools.inspect.model import (
    DOC_GT_TICKET,
    DOC_JET,
    DOC_NAMES,
    DOC_TICKET,
    FORMAT_VERSION,
    JET_CASH_FLOAT,
    JET_PERIOD_ARCHIVE,
    JET_TICKET_REF,
    JET_TRAINING_OFF,
    JET_TRAINING_ON,
    JET_YEAR_ARCHIVE,
    JetBody,
    TicketBody,
)
from tools.inspect.rules import header_problems, jet_problems, perpetual_problems, ticket_problems
from tools.inspect.sales import Sale
from tools.inspect.totals import Totals, add_ticket

CHAINS = DOC_NAMES.keys() - {DOC_GT_TICKET}
# JET codes some ordered check looks at (periods, training, archives, references, head):
# such a line is always sent in full. Any other only adds to the closure figures.
LOUD_JETS = frozenset(
    (
        JET_TRAINING_ON,
        JET_TRAINING_OFF,
        JET_CASH_FLOAT,
        JET_PERIOD_ARCHIVE,
        JET_YEAR_ARCHIVE,
        *JET_TICKET_REF,
        JET_INTEGRITY_CLEARED,
    )
)


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a worker must know to sum its range up: the terminal, the seq the head
    statement names (None: none), the range's first segment's index in the journal."""

    terminal_id: str
    stated: int | None
    first_segment: int


class Run:
    """Consecutive records of a range that its worker found needing no more than a sum.

    ``numbers``: per chain, the first and last number in the run (each
    chain's numbers follow each other in it); ``totals``: what they add to
    every closure's figures; ``real``, ``absolute``: the sums of the
    tickets; ``gt_before``: the perpetual totals before the first ticket,
    as it states them (None: no ticket); ``latest``: the latest local time
    of a ticket; ``places``: where each ticket is, in number order (segment
    index << 32 | offset); ``digests``: each record's archive row digest in
    seq order, when asked.
    """

    __slots__ = (
        "absolute",
        "digests",
        "first_seq",
        "gt_before",
        "last_seq",
        "latest",
        "numbers",
        "places",
        "real",
        "totals",
    )

    def __init__(self, first_seq: int) -> None:
        self.first_seq = first_seq
        self.last_seq = first_seq - 1
        self.numbers: dict[int, tuple[int, int]] = {}
        self.totals = Totals(first_seq)
        self.real = 0
        self.absolute = 0
        self.gt_before: tuple[int, int] | None = None
        self.latest: int | None = None
        self.places = array("q")
        self.digests = bytearray()

    @property
    def count(self) -> int:
        return self.last_seq - self.first_seq + 1

    def tickets(self) -> int:
        first, last = self.numbers.get(DOC_TICKET, (1, 0))
        return last - first + 1


def condense(
    entries: list[Entry | Sale],
    known: Known,
    wanted: Wanted,
    segment_names: list[str],
    digests: bool,
) -> list[Entry | Run] | None:
    """Return ``entries`` summed up (see the module docstring), None if the range is not clean.

    A ``Sale`` sent is made an entry first (``Sale.entry``), in ``entries`` too.
    """
    chains = _chains(entries)
    if chains is None or not _signatures_hold(entries, known, chains):
        return None
    ends = {0, len(entries) - 1}
    for positions in chains.values():
        ends.update((positions[0], positions[-1]))
    segments = {name: wanted.first_segment + n for n, name in enumerate(segment_names)}
    items: list[Entry | Run] = []
    run: Run | None = None
    before: dict[int, int] = {}  # position -> chain predecessor's position in the range
    for positions in chains.values():
        before.update((n, previous) for previous, n in pairwise(positions))
    first_seq: int = entries[0].header.seq  # type: ignore[assignment]
    for n, e in enumerate(entries):
        previous = before.get(n)
        if n in ends or not _quiet(e, entries, previous, wanted):
            sent = _entry(entries, n, before)
            if previous is not None:
                sent.link = _entry(entries, previous, before)
            items.append(sent)
            run = None
            continue
        if run is None:
            run = Run(n + first_seq)
            items.append(run)
        _add(run, e, segments, digests)
    return items


def _entry(entries: list[Entry | Sale], n: int, before: dict[int, int]) -> Entry:
    """Return the entry at position ``n`` (a ``Sale`` made one, in ``entries`` too), trusted
    when its chain predecessor is in the range (its signatures then hold: ``_signatures_hold``)."""
    e = entries[n]
    if type(e) is Sale:
        e = entries[n] = e.entry()
    assert isinstance(e, Entry)
    if n in before:
        e.signature_ok = True
    return e


def _chains(entries: list[Entry | Sale]) -> dict[int, list[int]] | None:
    """Return each chain's positions, None unless seqs and numbers follow each other."""
    if not entries or entries[0].header.seq is None or entries[0].header.seq < 1:
        return None
    first = entries[0].header.seq
    chains: dict[int, list[int]] = {}
    for n, e in enumerate(entries):
        h = e.header
        if type(e) is Entry and (e.record is None or e.problems):
            return None
        if h.seq != first + n or h.doc_type not in CHAINS:
            return None
        positions = chains.setdefault(h.doc_type, [])
        if positions:
            if h.number != entries[positions[-1]].header.number + 1:  # type: ignore[operator]
                return None
        elif h.number < 1:  # type: ignore[operator]
            return None
        positions.append(n)
    return chains


def _signatures_hold(
    entries: list[Entry | Sale], known: Known, chains: dict[int, list[int]]
) -> bool:
    """True when every signature whose predecessor is in the range was found valid."""
    for doc_type, positions in chains.items():
        for previous, n in pairwise(positions):
            if known.get((n, RECORD, previous)) is not True:
                return False
            if doc_type == DOC_TICKET and known.get((n, GT, previous)) is not True:
                return False
    return True


def _quiet(
    e: Entry | Sale, entries: list[Entry | Sale], previous: int | None, wanted: Wanted
) -> bool:
    """True when the record is a sale or an ordinary JET line with no problem of its own."""
    assert previous is not None
    if type(e) is Sale:  # no problem of its own (``read_sale``): its place and totals left
        before = _grand_totals(entries[previous])
        if e.header.seq == wanted.stated or e.terminal_id != wanted.terminal_id or before is None:
            return False
        return e.grand_totals == (before[0] + e.total, before[1] + e.total)
    record = e.record  # type: ignore[union-attr]
    assert record is not None
    if record.seq == wanted.stated or record.version != FORMAT_VERSION:
        return False
    if record.terminal_id != wanted.terminal_id or header_problems(record):
        return False
    body = record.body
    if record.doc_type == DOC_TICKET and type(body) is TicketBody:
        gt = _grand_totals(entries[previous])
        if body.is_return or gt is None:
            return False
        return not ticket_problems(DOC_TICKET, body) and not perpetual_problems(body, gt)
    if record.doc_type == DOC_JET and type(body) is JetBody:
        return body.code not in LOUD_JETS and not jet_problems(body)
    return False


def _grand_totals(e: Entry | Sale) -> tuple[int, int] | None:
    """Return the perpetual totals (real, absolute) a ticket states, None if not a ticket."""
    if type(e) is Sale:
        return e.grand_totals
    record = e.record  # type: ignore[union-attr]
    if record is None or type(record.body) is not TicketBody:
        return None
    return record.body.gt_real, record.body.gt_absolute


def _add(run: Run, e: Entry | Sale, segments: dict[str, int], digests: bool) -> None:
    """Add a quiet record to ``run``."""
    h = e.header
    assert h.seq is not None and h.doc_type is not None and h.number is not None
    run.last_seq = h.seq
    first, _ = run.numbers.get(h.doc_type, (h.number, 0))
    run.numbers[h.doc_type] = first, h.number
    if type(e) is Sale:
        e.add_to(run.totals)
        _add_ticket(run, e.grand_totals, e.total, e.total, e.local_seconds)
        run.places.append(segments[e.frame.segment] << 32 | e.frame.offset)
    else:
        record = e.record  # type: ignore[union-attr]
        assert record is not None
        body = record.body
        if type(body) is TicketBody:
            add_ticket((run.totals,), body)
            totals = (body.gt_real, body.gt_absolute)
            _add_ticket(run, totals, body.total, body.absolute_total, record.local_seconds)
            run.places.append(segments[e.segment] << 32 | e.offset)  # type: ignore[union-attr]
        elif type(body) is JetBody:
            run.totals.add_jet(body)
    if digests:
        assert e.row_digest is not None  # made as its predecessor is in the range
        run.digests += e.row_digest


def _add_ticket(run: Run, stated: tuple[int, int], total: int, absolute: int, local: int) -> None:
    """Add a ticket stating the perpetual totals ``stated`` to the run's sums."""
    if run.gt_before is None:
        run.gt_before = stated[0] - total, stated[1] - absolute
    run.real += total
    run.absolute += absolute
    if run.latest is None or local > run.latest:
        run.latest = local
