"""Record-by-record verification, in journal order, rebuilding the ledger state.

Used at every boot and by the self-test, from the first record or from a
signed checkpoint's state (fiscal_core/checkpoint.py): ``check(record)`` raises
IntegrityError naming the record on the first broken rule, then moves the
state past it with the same ``LedgerState.advance`` the ledger uses.

What is checked here: journal sequence and chain numbering, terminal id,
the signature over the data to sign (and the grand-total-ticket signature),
perpetual totals, payments, training tickets counted nowhere, periods
(tickets only in an open period, float only when closed), and every closure
equal to the totals recomputed from the records themselves. What needs the
content of older records (a return against its sale, an invoice against
its ticket) is checked by the inspector's tool, which keeps them.

Reprint numbers and single invoices depend on the documents that named the
same original before (fiscal_core/links.py), which the state does not keep:
a run keeps the links it meets. A duplicate is checked to follow the last
reprint of its original seen in the run, or to be the first when the
original was made in the run; a second invoice for a ticket is refused
when the first was seen in the run. One before the run's start (a
checkpoint's) is the inspector's to check, over the whole journal.
"""

from fiscal_core import codes
from fiscal_core.closures import ClosureBody
from fiscal_core.documents import ArchiveBody, DuplicateBody, InvoiceBody
from fiscal_core.ed25519 import verify
from fiscal_core.errors import IntegrityError
from fiscal_core.events import JetBody
from fiscal_core.links import DocumentLinks
from fiscal_core.records import Record
from fiscal_core.sales import NoteBody, TicketBody
from fiscal_core.state import DEFAULT_FISCAL_YEAR_START_MONTH, LedgerState
from fiscal_core.tosign import data_to_sign, grand_total_ticket_to_sign


class Verifier:
    """Checks records one by one and keeps the resulting state (``state``)."""

    def __init__(
        self,
        public_key: bytes,
        terminal_id: str | None = None,
        fiscal_year_start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH,
        state: LedgerState | None = None,
    ) -> None:
        """Start from an empty journal, or from ``state`` (a checked checkpoint's)."""
        self.public_key = public_key
        self.terminal_id = terminal_id
        self.state = state if state is not None else LedgerState(fiscal_year_start_month)
        # Numbers of the last document of each chain before the run: later ones are seen whole.
        self._before = {t: h.number for t, h in self.state.chains.items()}
        # (kind of the naming document, doc_type, number) -> links met in the run
        self._links: dict[tuple[int, int, int], DocumentLinks] = {}

    def check(self, record: Record) -> None:
        """Raise IntegrityError if ``record`` breaks a rule; otherwise advance past it."""
        state = self.state
        if record.seq != state.seq + 1:
            _fail(record, f"journal sequence {record.seq} where {state.seq + 1} was expected")
        head = state.head(record.doc_type)
        if record.number != head.number + 1:
            _fail(record, f"number {record.number} where {head.number + 1} was expected")
        if self.terminal_id is not None and record.terminal_id != self.terminal_id:
            _fail(record, f"terminal {record.terminal_id!r} is not {self.terminal_id!r}")
        if record.time_utc < state.last_time:
            _fail(record, "time before the previous record's")
        if record.doc_type == codes.DOC_GT_TICKET:
            _fail(record, "the grand-total-ticket chain has no records of its own")
        message = data_to_sign(record, head.signature).encode("utf-8")
        if not verify(self.public_key, message, record.signature):
            _fail(record, "signature does not match the record and its chain")
        body = record.body
        if isinstance(body, TicketBody):
            self._ticket(record, body)
        elif isinstance(body, JetBody):
            self._event(record, body)
        elif isinstance(body, ClosureBody):
            if body != state.expected_closure(record.doc_type):
                _fail(record, "closure totals differ from the records of the period")
        elif isinstance(body, DuplicateBody):
            if not 0 < body.original_number <= state.head(body.original_type).number:
                _fail(record, "duplicate of a document that does not exist")
            links = self._links_of(codes.DOC_DUPLICATE, body.original_type, body.original_number)
            if links is not None and body.reprint != links.reprints + 1:
                _fail(record, "reprint number is not the next one")
        elif isinstance(body, NoteBody):
            if not 1 <= body.persons <= 99 or not body.lines:
                _fail(record, "a note has lines and 1 to 99 persons")
            if not state.period_open:
                _fail(record, "note outside an open period")
        elif isinstance(body, ArchiveBody):
            key = (body.closure_type, body.closure_number)
            known = state.closures.get(key)
            if known is None or key in state.archived:
                _fail(record, "archive of a closure not the last of its kind, or archived")
            elif (body.from_seq, body.to_seq, body.vat, body.total) != known:
                _fail(record, "archive does not match the closure it names")
        elif isinstance(body, InvoiceBody):
            if not 0 < body.ticket_number <= state.head(codes.DOC_TICKET).number:
                _fail(record, "invoice of a ticket that does not exist")
            links = self._links_of(codes.DOC_INVOICE, codes.DOC_TICKET, body.ticket_number)
            if links is not None and links.invoice:
                _fail(record, "second invoice for one ticket")
        state.advance(record)
        if isinstance(body, (DuplicateBody, InvoiceBody)):
            self._note_link(record, body)

    def _links_of(self, kind: int, doc_type: int, number: int) -> DocumentLinks | None:
        """What the documents of ``kind`` (duplicates or invoices) met in this run say of
        document ``number`` of ``doc_type``; None when earlier ones may be unseen."""
        links = self._links.get((kind, doc_type, number))
        if links is None and number > self._before.get(doc_type, 0):
            return DocumentLinks(doc_type, number)  # made in the run: none before it
        return links

    def _note_link(self, record: Record, body: DuplicateBody | InvoiceBody) -> None:
        """Keep what ``record`` says of the document it names, for the next ones of its kind.

        Kept per kind: an invoice met in the run says nothing of the reprints made
        before it, nor a reprint of an earlier invoice.
        """
        if isinstance(body, DuplicateBody):
            key = (codes.DOC_DUPLICATE, body.original_type, body.original_number)
        else:
            key = (codes.DOC_INVOICE, codes.DOC_TICKET, body.ticket_number)
        links = self._links.get(key)
        if links is None:
            links = self._links[key] = DocumentLinks(key[1], key[2])
        links.take(record)

    def _ticket(self, record: Record, body: TicketBody) -> None:
        state = self.state
        if sum(p.amount for p in body.payments) - body.change != body.total:
            _fail(record, "payments minus change do not equal the total")
        if record.doc_type == codes.DOC_TRAINING:
            if not state.training:
                _fail(record, "training ticket outside training mode")
            if body.gt_real or body.gt_absolute or body.gt_signature:
                _fail(record, "a training ticket carries grand totals")
            return
        if state.training:
            _fail(record, "real ticket during training mode")
        if not state.period_open:
            _fail(record, "ticket outside an open period")
        if body.gt_real != state.gt_real + body.total:
            _fail(record, "perpetual grand total (real) does not add up")
        if body.gt_absolute != state.gt_absolute + body.absolute_total:
            _fail(record, "perpetual grand total (absolute) does not add up")
        gt_text = grand_total_ticket_to_sign(record, state.head(codes.DOC_GT_TICKET).signature)
        if not verify(self.public_key, gt_text.encode("utf-8"), body.gt_signature):
            _fail(record, "grand-total-ticket signature does not match")
        if body.is_return and not 0 < body.ref_number < record.number:
            _fail(record, "return of a ticket that does not exist")

    def _event(self, record: Record, body: JetBody) -> None:
        if body.code == codes.JET_CASH_FLOAT and self.state.period_open:
            _fail(record, "cash float while a period is open")
        if body.code == codes.JET_CASH_FLOAT and self.state.archive_due:
            _fail(record, "period opened before the closed fiscal year was archived")


def _fail(record: Record, message: str) -> None:
    raise IntegrityError(record.seq, record.doc_type, message)
