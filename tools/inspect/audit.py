"""The journal replayed in order: each record against what came before it (docs/SPEC.md §4).

Run after the signatures are checked, one pass over the entries in journal
order. Each record is checked against the state built from the records
before it, then, if it can be trusted (decoded, signature valid, right
after its predecessor in the journal), moves the state on:

- its own content (``rules``): bounds, amounts, payments, texts, orders;
- perpetual grand totals of a TICKET against its chain predecessor;
- periods and training mode (``periods``);
- returns, invoices, duplicates and JET references (``links``);
- archives against the closure they name, one per closure, and no period
  opened after a fiscal-year closure before its archive (``archives``);
- every figure of a closure against the same figures recomputed from the
  records since the previous closure of its kind (``totals``; what a record
  adds goes to the three levels at once when a closure reads them): tickets
  (never FORMATION), duplicates, invoices, JET lines; a month and a year
  from the tickets directly, then cross-checked against the sum of their
  days (months) as stated, unless one of those was itself found wrong
  (already reported); the perpetual grand totals, recomputed from the
  tickets, now and at the previous closure of the same kind.

A record that cannot be trusted, or a gap in the journal sequence, makes
every figure that it may have changed unknown until the state is settled
again (see ``periods``; a level's totals until its next closure; the
perpetual totals until the next trusted ticket): what follows is not
blamed for what was lost, which is reported where it happened.
"""

from __future__ import annotations

from tools.inspect.archives import Archives
from tools.inspect.chains import Entry
from tools.inspect.condense import Run
from tools.inspect.formats import euros
from tools.inspect.links import Links, Tickets
from tools.inspect.model import (
    CLOSURE_TYPES,
    COUNT_DUPLICATES,
    COUNT_INVOICES,
    DOC_DUPLICATE,
    DOC_GT_MONTH,
    DOC_GT_PERIOD,
    DOC_GT_YEAR,
    DOC_INVOICE,
    DOC_TICKET,
    DOC_TRAINING,
    ArchiveBody,
    ClosureBody,
    DuplicateBody,
    InvoiceBody,
    JetBody,
    NoteBody,
    Record,
    TicketBody,
)
from tools.inspect.periods import Periods
from tools.inspect.rules import (
    archive_problems,
    closure_problems,
    header_problems,
    invoice_problems,
    jet_problems,
    note_problems,
    perpetual_problems,
    ticket_problems,
)
from tools.inspect.totals import Totals, add_ticket, differences

PARTS = {DOC_GT_MONTH: "journalières", DOC_GT_YEAR: "mensuelles"}


class Audit:
    """State of the replay; ``run`` checks every entry and appends problems to it."""

    def __init__(self, start_month: int = 1, tickets: Tickets | None = None) -> None:
        self.periods = Periods(start_month)
        self.links = Links(tickets)
        self.archives = Archives(self.links)
        self.levels = {kind: Totals(1) for kind in CLOSURE_TYPES}
        self.pending = Totals(1)  # what the levels have not been given yet (see ``_settled``)
        self.perpetual: tuple[int, int] | None = (0, 0)
        self.closure_gt: dict[int, int | None] = dict.fromkeys(CLOSURE_TYPES, 0)
        self.next_seq = 1
        self.disputed: set[int] = set()  # ids of closure bodies found to differ from the records

    def run(self, entries: list[Entry]) -> None:
        for e in entries:
            seq = e.header.seq
            if seq != self.next_seq:
                self._lose()
            self.next_seq = (seq if seq is not None else self.next_seq) + 1
            if e.record is not None:
                e.problems.extend(self._check(e, e.record))
            if e.trusted and e.record is not None:
                self._apply(e.record)
            else:
                self._lose()
            self.links.see(e)

    def add_run(self, run: Run) -> bool:
        """Move the state past a run of trusted sales and JET lines (``condense``), as ``run``
        would record by record; False, and nothing changed, when one of its tickets might
        have a problem with the state (out of the open period, in training mode)."""
        if run.first_seq != self.next_seq:
            return False
        if run.latest is not None and not self.periods.admits_sales(run.latest):
            return False
        self.next_seq = run.last_seq + 1
        self.pending.add(run.totals)
        if run.gt_before is not None:
            if self.perpetual is None:  # resynchronise on the first ticket's own totals
                self.perpetual = run.gt_before
            real, absolute = self.perpetual
            self.perpetual = real + run.real, absolute + run.absolute
        self.links.add_run(run)
        return True

    def _lose(self) -> None:
        self.periods.lose()
        self.archives.lose()
        self.links.lossy = True
        for totals in self.levels.values():
            totals.reliable = False
        self.perpetual = None
        self.closure_gt = dict.fromkeys(CLOSURE_TYPES)

    def _check(self, e: Entry, record: Record) -> list[str]:
        problems = header_problems(record)
        body, kind = record.body, record.doc_type
        if kind in (DOC_TICKET, DOC_TRAINING) and isinstance(body, TicketBody):
            problems += ticket_problems(kind, body)
            if kind == DOC_TICKET:
                problems += self._perpetual(e, body)
                problems += self.periods.document(record)
                problems += self.links.ticket(record, body)
            problems += self.periods.ticket(record)
        elif isinstance(body, InvoiceBody):
            problems += invoice_problems(body)
            problems += self.periods.document(record) + self.links.invoice(body)
        elif isinstance(body, DuplicateBody):
            problems += self.periods.document(record) + self.links.duplicate(body)
        elif isinstance(body, NoteBody):
            problems += note_problems(body) + self.periods.document(record)
        elif isinstance(body, JetBody):
            problems += jet_problems(body)
            problems += self.periods.jet(record, body.code) + self.links.jet(body)
            problems += self.archives.jet(body)
        elif isinstance(body, ClosureBody):
            problems += closure_problems(kind, body) + self.periods.closure(record, body)
            problems += self._closure(record, body)
        elif isinstance(body, ArchiveBody):
            problems += archive_problems(record, body) + self.archives.record(body)
        return problems

    def _perpetual(self, e: Entry, body: TicketBody) -> list[str]:
        """Check a ticket's perpetual totals against its chain predecessor's, when trusted."""
        record = e.record
        assert record is not None
        if record.number == 1:
            return perpetual_problems(body, (0, 0))
        link = e.link
        if link is None or not link.trusted or link.record is None:
            return []
        before = link.record.body
        if not isinstance(before, TicketBody):
            return []
        return perpetual_problems(body, (before.gt_real, before.gt_absolute))

    def _closure(self, record: Record, body: ClosureBody) -> list[str]:
        """Check a closure's figures against the records of its period, and its parts."""
        problems = []
        totals = self._settled()[record.doc_type]
        if totals.reliable:
            if body.from_seq != totals.from_seq:
                problems.append(
                    f"premier enregistrement n°{body.from_seq} au lieu de n°{totals.from_seq}"
                )
            found = differences(body, totals)
            if found:
                self.disputed.add(id(body))
                span = f"n°{totals.from_seq} à n°{record.seq - 1}"
                problems.append(f"chiffres différents du recalcul ({span}) : " + ", ".join(found))
        parts = self._parts(record.doc_type)
        if parts and not any(id(part) in self.disputed for part in parts):
            total = Totals(body.from_seq)
            for part in parts:
                total.add(Totals.of_closure(part))
            found = differences(body, total)
            if found:
                what = f"{len(parts)} clôtures {PARTS[record.doc_type]}"
                problems.append(f"différente de la somme de ses {what} : " + ", ".join(found))
        problems += self._grand_totals(record.doc_type, body)
        return problems

    def _parts(self, doc_type: int) -> list[ClosureBody]:
        """Return the trusted closures below a month (days) or a year (months), if all known."""
        if doc_type == DOC_GT_PERIOD:
            return []
        parts = self.periods.days if doc_type == DOC_GT_MONTH else self.periods.months
        return parts or []

    def _grand_totals(self, doc_type: int, body: ClosureBody) -> list[str]:
        problems = []
        previous = self.closure_gt[doc_type]
        if previous is not None and body.previous_gt_real != previous:
            problems.append(
                f"grand total à la clôture précédente {euros(body.previous_gt_real)} "
                f"au lieu de {euros(previous)}"
            )
        if self.perpetual is not None:
            real, absolute = self.perpetual
            if body.gt_real != real:
                problems.append(
                    f"grand total perpétuel réel {euros(body.gt_real)} au lieu de {euros(real)}"
                )
            if body.gt_absolute != absolute:
                problems.append(
                    f"grand total perpétuel absolu {euros(body.gt_absolute)} "
                    f"au lieu de {euros(absolute)}"
                )
        return problems

    def _settled(self) -> dict[int, Totals]:
        """Return the levels, given what was added since: every record adds the same to all
        three, so it is added once, to ``pending``, and to the levels when one is read."""
        for totals in self.levels.values():
            totals.add(self.pending)
        self.pending = Totals(1)
        return self.levels

    def _apply(self, record: Record) -> None:
        """Move the state past a trusted record."""
        body, kind = record.body, record.doc_type
        if kind == DOC_TICKET and isinstance(body, TicketBody):
            add_ticket((self.pending,), body)
            if self.perpetual is None:  # resynchronise on the ticket's own, trusted, totals
                self.perpetual = body.gt_real, body.gt_absolute
            else:
                real, absolute = self.perpetual
                self.perpetual = real + body.total, absolute + body.absolute_total
        elif kind in (DOC_INVOICE, DOC_DUPLICATE):
            index = COUNT_INVOICES if kind == DOC_INVOICE else COUNT_DUPLICATES
            self.pending.counts[index] += 1
        elif isinstance(body, JetBody):
            self.pending.add_jet(body)
            self.periods.apply(record, None, body.code)
        elif isinstance(body, ClosureBody):
            self.periods.apply(record, body, None)
            self._settled()[kind] = Totals(record.seq + 1)
            self.closure_gt[kind] = None if self.perpetual is None else self.perpetual[0]
            self.archives.apply(record)
        elif isinstance(body, ArchiveBody):
            self.archives.apply(record)
