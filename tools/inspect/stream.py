"""The journal verified as it is read, range after range, without holding its records.

Theory of operation. Worker processes read ranges of segments in journal
order (``parallel.ranges_in_order``): each decodes its frames and checks
the signatures whose chain predecessor is in its range. This process takes
each range as it comes, in order, and runs every ordered check on it before
letting it go:

1. continuity of the journal ``seq`` and of each chain (``stream_order``);
2. the signatures left, those whose predecessor is the last record of its
   chain in an earlier range (kept per chain, ``tails``);
3. format version and terminal of each record;
4. the replay (``audit.Audit``, whose state carries over from range to
   range), and the summary of the report (``summary``);
5. what the archive files and the head statement need: each trusted
   record compared with the rows of the archive files that hold its seq
   (``archive_rows``, read before the journal), the ARCHIVE records, the
   record the head statement names, the last JET 91.

Each record's findings are made once its range is done; only the records
still needed later stay: the last of each chain, the ARCHIVE records, the
entries whose continuity is only known at the end (unreadable ones), and,
for the returns and invoices to come, where each trusted ticket is
(``FrameTickets``: 8 bytes a ticket; the ticket is read again when named).

A clean range may come back summed up by its worker (``condense``): its
edges and the records the ordered checks look into as entries, the sales
and ordinary JET lines between them as runs, which each check takes as a
whole (``take_run``, ``add_run``). When a run's sales might clash with the
replay's state, ``Doubt`` asks for the journal record by record.

What needs the whole journal at once raises ``Reordered`` and the verifier
checks the journal as a whole instead (``verify``), with the same findings:
a number that is not above the previous one in its numbering (a record
duplicated or displaced). The first month of the fiscal year is that of
the first trusted fiscal-year closure, which may come late: the replay
starts with January and ``Restart`` asks for another pass when it is not.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tools.inspect.archive_content import DIGEST_BYTES, record_digest
from tools.inspect.archive_files import ArchiveStatus, check_archive_files
from tools.inspect.archive_rows import ArchiveRows
from tools.inspect.audit import Audit
from tools.inspect.chains import GT, RECORD, Batch, Entry, Known, add_signatures, settle, usable
from tools.inspect.condense import Run, Wanted
from tools.inspect.decode import DecodeError, decode_record
from tools.inspect.findings import Finding, finding
from tools.inspect.frames import Frame, split_frames
from tools.inspect.head import JET_INTEGRITY_CLEARED, HeadCheck, check_head, decode_statement
from tools.inspect.image import FlashContents, Segment
from tools.inspect.links import Tickets
from tools.inspect.model import (
    DOC_ARCHIVE,
    DOC_GT_TICKET,
    DOC_GT_YEAR,
    DOC_NAMES,
    DOC_TICKET,
    FORMAT_VERSION,
    ClosureBody,
    Identity,
    JetBody,
    Record,
)
from tools.inspect.parallel import ranges_in_order
from tools.inspect.periods import parse_fiscal_year
from tools.inspect.stream_order import Continuity, Reordered
from tools.inspect.summary import Summary
from tools.inspect.tosign import LayoutError, data_to_sign

__all__ = ["Doubt", "Reordered", "Restart", "Streamed", "check_records", "stream"]

CHAINS = DOC_NAMES.keys() - {DOC_GT_TICKET}  # the types whose records are chained
NO_PLACE = -1
MAX_GAP = 1 << 20  # a ticket number further ahead than this is kept in a dict, not the array


class Doubt(Exception):
    """A run's records might have a problem with the replay's state: verify them one by one."""


class Restart(Exception):
    """The fiscal year starts in another month than the replay assumed: replay again."""

    def __init__(self, start_month: int) -> None:
        super().__init__(start_month)
        self.start_month = start_month


class FrameTickets(Tickets):
    """Where each trusted ticket is in the journal; a ticket named later is read again."""

    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.index = {segment.name: n for n, segment in enumerate(segments)}
        self.places = array("q")  # ticket number - 1 -> segment index << 32 | offset
        self.far: dict[int, int] = {}

    def keep(self, e: Entry, record: Record) -> None:
        self._keep(record.number, self.index[e.segment] << 32 | e.offset)

    def keep_run(self, first: int, places: array[int]) -> None:
        """Keep the places of tickets ``first``, ``first + 1``… (a run, ``condense``)."""
        if first == len(self.places) + 1:
            self.places.extend(places)
            return
        for number, place in enumerate(places, first):
            self._keep(number, place)

    def _keep(self, number: int, place: int) -> None:
        if number < 1:
            self.far.setdefault(number, place)
        elif number <= len(self.places):
            if self.places[number - 1] == NO_PLACE:
                self.places[number - 1] = place
        elif number - len(self.places) <= MAX_GAP:
            self.places.extend([NO_PLACE] * (number - 1 - len(self.places)))
            self.places.append(place)
        else:
            self.far.setdefault(number, place)

    def get(self, number: int) -> Record | None:
        if 1 <= number <= len(self.places):
            place = self.places[number - 1]
        else:
            place = self.far.get(number, NO_PLACE)
        if place == NO_PLACE:
            return None
        segment = self.segments[place >> 32]
        offset = place & 0xFFFFFFFF
        for item in split_frames(segment.name, segment.data):
            if item.offset == offset and isinstance(item, Frame):
                try:
                    return decode_record(item.record)
                except DecodeError:  # cannot be: it was trusted when read
                    return None
        return None


class Streamed:
    """What the verification of a journal, read range after range, found."""

    def __init__(
        self,
        frames: int,
        findings: list[Finding],
        archives: list[ArchiveStatus],
        warnings: list[str],
        head: HeadCheck | None,
        summary: Summary,
        records: list[Record] | None,
    ) -> None:
        self.frames = frames
        self.findings = findings
        self.archives = archives
        self.warnings = warnings
        self.head = head
        self.summary = summary
        self.records = records


def stream(
    contents: FlashContents,
    segments: list[Segment],
    identity: Identity,
    key: Ed25519PublicKey,
    key_bytes: bytes,
    workers: int | None,
    start_month: int = 1,
    keep_records: bool = False,
    summed: bool = False,
) -> Streamed:
    """Verify the readable ``segments`` range after range; raise Reordered, Restart or Doubt.

    ``summed``: the workers sum up their clean ranges (``condense``).
    """
    state = _Pass(contents, segments, identity, key, workers, start_month, keep_records)
    wanted = Wanted(identity.terminal_id, state.stated, 0) if summed else None
    digests = bool(state.rows.waiting)
    ranges = ranges_in_order(segments, key_bytes, workers, digests, wanted)
    try:
        for entries, known in ranges:
            state.take(entries, known)
    finally:
        ranges.close()  # on Reordered or Restart: no range is read for nothing
    return state.finish()


class _Pass:
    """The state carried from range to range."""

    def __init__(
        self,
        contents: FlashContents,
        segments: list[Segment],
        identity: Identity,
        key: Ed25519PublicKey,
        workers: int | None,
        start_month: int,
        keep_records: bool,
    ) -> None:
        self.contents = contents
        self.identity = identity
        self.key = key
        self.workers = workers
        self.start_month = start_month
        self.year_known = False
        self.continuity = Continuity()
        self.tails: dict[int, Entry] = {}  # doc_type -> last entry with a readable number
        self.audit = Audit(start_month, FrameTickets(segments))
        self.summary = Summary()
        self.records: list[Record] | None = [] if keep_records else None
        self.findings: list[Finding] = []
        self.archive_entries: list[Entry] = []
        self.rows = ArchiveRows(contents.archives)
        self.frames = 0
        self.stated = _stated_seq(contents)
        self.last: Entry | None = None  # the entry of the highest seq
        self.at_stated: list[Entry] = []
        self.cleared: Entry | None = None  # the last trusted JET 91 up to the stated seq

    def take(self, items: Sequence[Entry | Run], known: Known) -> None:
        """Run every ordered check on one range's entries (and runs, ``condense``), then keep
        only what is needed."""
        entries = [e for e in items if type(e) is Entry]
        held = set()
        for item in items:
            if type(item) is Run:
                self.frames += item.count
                if not self.continuity.take_run(item):
                    raise Doubt
            else:
                self.frames += 1
                assert isinstance(item, Entry)
                if self.continuity.take(item) is not None:
                    held.add(id(item))
        self._signatures(entries, known)
        check_records(entries, self.identity)
        self._fiscal_year(entries)
        if len(entries) == len(items):
            self.audit.run(entries)
        else:
            self._audit(items)
        if self.rows.waiting:
            self._archive_rows(items)
        for item in items:
            if type(item) is Run:
                self.summary.add_run(item)
                continue
            e = item
            assert isinstance(e, Entry)
            e.link = None  # audited: holding its predecessor would hold the whole chain
            record = e.record
            if record is not None:
                self.summary.see(record)
                if self.records is not None:
                    self.records.append(record)
                if record.doc_type == DOC_ARCHIVE:  # its file is checked at the end
                    self.archive_entries.append(e)
                    continue
            self._head(e)
            if e.problems and id(e) not in held:
                self.findings.append(finding(e))

    def _audit(self, items: Sequence[Entry | Run]) -> None:
        """Replay entries one by one and runs as their sums (``Audit.add_run``)."""
        for item in items:
            if type(item) is Run:
                if not self.audit.add_run(item):
                    raise Doubt
            else:
                assert isinstance(item, Entry)
                self.audit.run([item])

    def _signatures(self, entries: list[Entry], known: Known) -> None:
        """Settle each signature against its chain's last record before it (``tails``).

        A record whose signatures the worker found valid against that same
        predecessor is trusted at once (what ``settle`` would conclude);
        the others go through the batch, the worker's outcomes included.
        """
        candidates: dict[int, list[Entry | None] | None] = {}
        position = {id(e): n for n, e in enumerate(entries)}
        left = []
        for n, e in enumerate(entries):
            record, h = e.record, e.header
            if e.signature_ok is not None:
                pass  # its worker found it valid against its predecessor (``condense``)
            elif record is not None and record.doc_type in CHAINS:
                tail = self.tails.get(record.doc_type) if record.number > 1 else None
                if tail is not None and tail.header.number != record.number - 1:
                    tail = None
                where = -1 if tail is None else position.get(id(tail))
                if (record.number <= 1 or tail is not None) and _valid(known, n, where, record):
                    e.signature_ok, e.link = True, tail
                elif record.number <= 1:
                    candidates[id(e)] = [None]
                    left.append(e)
                else:
                    candidates[id(e)] = usable(e, [tail] if tail is not None else [])
                    left.append(e)
            elif record is not None:
                left.append(e)  # no chain: said by ``add_signatures``
            if h.doc_type is not None and h.number is not None:
                self.tails[h.doc_type] = e
        batch = _RangeBatch(entries, known)
        add_signatures(left, batch, lambda e: candidates[id(e)])
        settle(batch, batch.results(self.key, self.workers))

    def _archive_rows(self, items: Sequence[Entry | Run]) -> None:
        """Compare each record with the archive rows of its seq (its digest if trusted)."""
        for item in items:
            if type(item) is Run:
                for n, number in enumerate(range(item.first_seq, item.last_seq + 1)):
                    if self.rows.wanted(number):
                        row = item.digests[n * DIGEST_BYTES : (n + 1) * DIGEST_BYTES]
                        self.rows.see(number, bytes(row))
                continue
            e = item
            assert isinstance(e, Entry)
            seq = e.header.seq
            if not self.rows.wanted(seq):
                continue
            assert seq is not None
            record = e.record
            digest = None
            if e.trusted and record is not None:
                digest = e.row_digest  # made by the worker with the same predecessor
                if digest is None:  # its predecessor was in an earlier range
                    previous = e.link.header.signature if e.link is not None else None
                    try:
                        digest = record_digest(record, data_to_sign(record, previous))
                    except LayoutError:  # cannot be: its signature holds
                        digest = None
            self.rows.see(seq, digest)

    def _fiscal_year(self, entries: list[Entry]) -> None:
        if self.year_known:
            return
        for e in entries:
            record = e.record
            if record is not None and record.doc_type == DOC_GT_YEAR and e.trusted:
                body = record.body
                parsed = parse_fiscal_year(body.label) if isinstance(body, ClosureBody) else None
                if parsed is not None:
                    self.year_known = True
                    if parsed[1] != self.start_month:
                        raise Restart(parsed[1])
                    return

    def _head(self, e: Entry) -> None:
        seq = e.header.seq
        if seq is None:
            return
        if self.last is None or seq > (self.last.header.seq or 0):
            self.last = e
        if seq == self.stated:
            self.at_stated.append(e)
        record = e.record
        if (
            record is not None
            and e.trusted
            and (self.stated is None or seq <= self.stated)
            and isinstance(record.body, JetBody)
            and record.body.code == JET_INTEGRITY_CLEARED
        ):
            self.cleared = e

    def finish(self) -> Streamed:
        """Settle what waited for the end: held entries, archive files, head statement."""
        for e in self.continuity.finish():
            if e.problems:
                self.findings.append(finding(e))
        archives, warnings = check_archive_files(
            self.archive_entries, self.contents.archives, self.rows.differs
        )
        for e in self.archive_entries:
            self._head(e)
            if e.problems:
                self.findings.append(finding(e))
        head = None
        if self.contents.head is not None:
            kept = [e for e in (self.last, *self.at_stated, self.cleared) if e is not None]
            kept.sort(key=lambda e: (e.segment, e.offset))
            head = check_head(self.contents.head, self.identity.terminal_id, self.key, kept)
        return Streamed(
            self.frames, self.findings, archives, warnings, head, self.summary, self.records
        )


class _RangeBatch(Batch):
    """A batch over one range: ``known`` outcomes are those its worker checked within it."""

    def checked(self, e: Entry, chain: str, before: Entry | None) -> bool:
        if before is not None and id(before) not in self.position:
            return False  # the predecessor is in an earlier range: checked here
        return super().checked(e, chain, before)


def _valid(known: Known, index: int, before: int | None, record: Record) -> bool:
    """True when the worker found the record's signatures valid against ``before`` (a position)."""
    if before is None or not known.get((index, RECORD, before)):
        return False
    return record.doc_type != DOC_TICKET or known.get((index, GT, before)) is True


def check_records(entries: list[Entry], identity: Identity) -> None:
    """Add the problems of each record's format version and terminal."""
    for e in entries:
        record = e.record
        if record is None:
            continue
        if record.version != FORMAT_VERSION:
            e.problems.append(f"version de format {record.version} inconnue")
        if record.terminal_id != identity.terminal_id:
            e.problems.append(
                f"terminal « {record.terminal_id} » au lieu de « {identity.terminal_id} »"
            )


def _stated_seq(contents: FlashContents) -> int | None:
    """Return the seq the copy's head statement names, None when there is none to read."""
    if contents.head is None or contents.head.statement is None:
        return None
    try:
        return decode_statement(contents.head.statement)[0].seq
    except DecodeError:
        return None
