"""The journal read on every core: segments decoded, and signatures checked, in worker processes.

Theory of operation. Decoding a record, rebuilding its data to sign and
checking its signatures is work of its own for each record, save for one
thing: a signature is made over the previous signature of its chain, which
the record read just before usually holds, but not always (a duplicated or
missing number, a chain's first record in a range). So the work is split in
two, with the same outcome as a single pass:

1. ``read_ranges``: the journal's segments are cut into ranges, each read
   by a worker process: its frames split and decoded (``read_segment``),
   and every signature whose chain predecessor is *in the same range* and
   unique there checked against it. The worker returns its entries and a
   table ``(entry, chain, predecessor) -> valid``, positions relative to the
   range; asked for it, it also leaves on each such entry the digest of the
   row an archive file must hold for its record (``Entry.row_digest``), made
   from the data to sign it has just rebuilt.
2. The verifier then checks the chains over the whole journal as before
   (``chains.check_signatures``), taking from the table every
   (entry, predecessor) pair a worker has checked already: the outcome of
   a signature check depends only on the record and the predecessor's
   signature, so where it was checked does not change it. Only the pairs
   that cross a range, or that a duplicate adds, are checked afterwards.

The entries travel back by pickle, each object as the tuple of its fields
(``shipping``); asked for it (``ranges_in_order``'s ``wanted``), a worker
sums a clean range up instead (``condense``). Processes, not threads:
decoding is Python, which one interpreter runs on one core at a time. A
journal of a few segments is read in the calling process (starting a pool
costs more than it saves).
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.inspect.archive_content import record_digest
from tools.inspect.chains import GT, RECORD, Entry, Known
from tools.inspect.condense import CHAINS, Run, Wanted, condense
from tools.inspect.frames import BadFrame, Frame, split_frames
from tools.inspect.image import Segment
from tools.inspect.model import DOC_TICKET, Record, TicketBody
from tools.inspect.sales import Sale, entry_of, read_sale
from tools.inspect.shipping import register
from tools.inspect.signatures import load_public_key
from tools.inspect.tosign import LayoutError, data_to_sign, ticket_to_sign

SEGMENT_BYTES = 32 * 1024  # a new segment starts once the current one holds this much
SEGMENTS_PER_RANGE = 16  # about 2,000 records: the largest task of a worker
TASKS_PER_WORKER = 2  # at least, so that a worker finishing early takes another
PARALLEL_MIN_SEGMENTS = 4

# A range's outcome: its entries (or, summed up, entries and runs) and the signatures checked
Range = tuple[Sequence[Entry | Run], Known]

register()  # here and in each worker, which imports this module to run ``read_range``


def read_ranges(
    segments: Sequence[Segment], public_key: bytes, workers: int | None
) -> tuple[list[Entry], Known]:
    """Return the entries of readable ``segments`` in order, and the signatures checked so far.

    ``workers`` processes (default: the CPU count) read ranges of at most
    SEGMENTS_PER_RANGE segments. With 1, or a journal of a few segments,
    they are read in this process and no signature is checked yet (the
    verifier's threads check them all).
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(segments) < PARALLEL_MIN_SEGMENTS:
        return [e for segment in segments for e in read_segment(segment)], {}
    size = _range_size(len(segments), workers)
    ranges = [list(segments[start : start + size]) for start in range(0, len(segments), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(read_range, ranges, [public_key] * len(ranges)))
    entries: list[Entry] = []
    known: Known = {}
    for part, checked in results:
        base = len(entries)
        entries += part
        for (index, chain, before), valid in checked.items():
            known[(base + index, chain, -1 if before < 0 else base + before)] = valid
    return entries, known


def ranges_in_order(
    segments: Sequence[Segment],
    public_key: bytes,
    workers: int | None,
    digests: bool = False,
    wanted: Wanted | None = None,
) -> Generator[Range, None, None]:
    """Yield each range's ``read_range`` outcome in journal order, as the workers finish them.

    Ranges are of SEGMENTS_PER_RANGE segments, fewer in a small journal so
    that every worker has some (``_range_size``). At most a few ranges per
    worker are read ahead of the one consumed, so that a slow consumer does
    not pile up decoded ranges. With 1 worker, or a journal of a few
    segments, the ranges are read in this process.
    ``digests``: leave each entry's ``row_digest`` where the worker can.
    With ``wanted``, a clean range comes back summed up (``condense``).
    """
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(segments) < PARALLEL_MIN_SEGMENTS:
        size = SEGMENTS_PER_RANGE
        for start in range(0, len(segments), size):
            part = list(segments[start : start + size])
            yield read_range_summed(part, public_key, digests, _from(wanted, start))
        return
    size = _range_size(len(segments), workers)
    starts = range(0, len(segments), size)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        ahead: deque[Future[Range]] = deque()
        for start in starts:
            part = list(segments[start : start + size])
            wanted_here = _from(wanted, start)
            ahead.append(pool.submit(read_range_summed, part, public_key, digests, wanted_here))
            if len(ahead) > workers * TASKS_PER_WORKER:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _range_size(segments: int, workers: int) -> int:
    """Return the segments of a range: SEGMENTS_PER_RANGE, less when each worker would not get
    TASKS_PER_WORKER ranges (a small journal in two ranges would leave a core idle)."""
    return max(1, min(SEGMENTS_PER_RANGE, -(-segments // (workers * TASKS_PER_WORKER))))


def _from(wanted: Wanted | None, start: int) -> Wanted | None:
    """Return ``wanted`` for the range whose first segment is the ``start``-th."""
    if wanted is None:
        return None
    return Wanted(wanted.terminal_id, wanted.stated, wanted.first_segment + start)


def read_range(
    segments: list[Segment], public_key: bytes, digests: bool = False
) -> tuple[list[Entry], Known]:
    """Return the entries of ``segments`` and the signatures checked within them (one task)."""
    entries = [entry for segment in segments for entry in read_segment(segment)]
    return entries, _check_within(entries, load_public_key(public_key), digests)


def read_range_summed(
    segments: list[Segment], public_key: bytes, digests: bool, wanted: Wanted | None
) -> Range:
    """Return ``read_range``'s outcome, the range summed up when ``wanted`` and it is clean.

    To be summed up, the range's sales of the common shape are read as
    ``Sale``s (``sales``), and made entries again only where sent. The
    cyclic garbage collector is off meanwhile: a range's entries and
    records hold no cycle (a ``link`` points to an earlier entry), so
    reference counting frees them all, and the collector would only walk
    the thousands of objects a range holds, again and again (~5% of a
    worker's time).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        if wanted is None:
            return read_range(segments, public_key, digests)
        read = [item for segment in segments for item in _read_sales(segment)]
        known = _check_within(read, load_public_key(public_key), digests)
        items = condense(read, known, wanted, [s.name for s in segments], digests)
        if items is not None:
            return items, {}  # what the worker checked is on the entries themselves
        return [e.entry() if isinstance(e, Sale) else e for e in read], known
    finally:
        if collecting:
            gc.enable()


def read_segment(segment: Segment) -> list[Entry]:
    """Return an entry for each frame of a readable segment, decoded (docs/SPEC.md §3-4)."""
    return [_entry(item) for item in split_frames(segment.name, segment.data)]


def _read_sales(segment: Segment) -> list[Entry | Sale]:
    """Return ``read_segment``'s entries, a sale of the common shape as a ``Sale`` instead."""
    items: list[Entry | Sale] = []
    for item in split_frames(segment.name, segment.data):
        sale = read_sale(item) if type(item) is Frame and item.offset < SEGMENT_BYTES else None
        items.append(_entry(item) if sale is None else sale)
    return items


def _entry(item: Frame | BadFrame) -> Entry:
    entry = entry_of(item)
    if item.offset >= SEGMENT_BYTES:
        entry.problems.append(f"trame au-delà de {SEGMENT_BYTES} octets du segment")
    return entry


def _check_within(entries: Sequence[Entry | Sale], key: Ed25519PublicKey, digests: bool) -> Known:
    """Check each signature against its chain predecessor when it is unique in ``entries``.

    Keys are (entry, chain, predecessor) positions in ``entries``, -1 for
    a chain's first record. What cannot be written (LayoutError) is left to
    the verifier, which reports it. With ``digests``, each entry whose data
    to sign is rebuilt gets its ``row_digest``.
    """
    where: dict[tuple[int, int], int] = {}  # (doc_type, number) -> its position, if unique
    doubled: set[tuple[int, int]] = set()
    for index, e in enumerate(entries):
        doc_type, number = e.header.doc_type, e.header.number
        if doc_type is None or number is None:
            continue
        if where.setdefault((doc_type, number), index) != index:
            doubled.add((doc_type, number))
    for pair in doubled:
        del where[pair]
    # The signatures are checked once every data to sign is rebuilt, one after the other:
    # a few % less CPU than each as its data to sign comes, interleaved with the decoding
    # (Ed25519's code and tables stay in the core's caches).
    jobs: list[tuple[bytes, bytes, tuple[int, str, int]]] = []
    for index, e in enumerate(entries):
        sale = e if type(e) is Sale else None
        record = e.record if type(e) is Entry else None
        if sale is None and (record is None or record.doc_type not in CHAINS):
            continue
        h = e.header
        assert h.doc_type is not None and h.number is not None and h.signature is not None
        if h.number <= 1:
            before = -1
        else:
            found = where.get((h.doc_type, h.number - 1))
            if found is None or entries[found].header.signature is None:
                continue
            before = found
        previous = entries[before].header if before >= 0 else None
        previous_signature = previous.signature if previous else None
        try:
            if sale is not None or (record is not None and _ticket(record)):
                gt_previous = previous.gt_signature if previous else None
                gt = previous is None or gt_previous is not None
                if sale is not None:
                    message, gt_message = sale.to_sign(previous_signature, gt_previous, gt)
                else:
                    assert record is not None
                    message, gt_message = ticket_to_sign(
                        record, previous_signature, gt_previous, gt
                    )
                if gt_message is not None:
                    assert h.gt_signature is not None
                    jobs.append((h.gt_signature, gt_message, (index, GT, before)))
            else:
                assert record is not None
                message = data_to_sign(record, previous_signature)
        except LayoutError:
            continue
        if digests:
            e.row_digest = sale.digest(message) if sale else record_digest(record, message)  # type: ignore[arg-type]
        jobs.append((h.signature, message, (index, RECORD, before)))
    known: Known = {}
    verify = key.verify
    for signature, message, tried in jobs:
        try:
            verify(signature, message)
            known[tried] = True
        except InvalidSignature:
            known[tried] = False
    return known


def _ticket(record: Record) -> bool:
    return record.doc_type == DOC_TICKET and isinstance(record.body, TicketBody)
